"""What lawyers do to a question, inside the caller's unit of work (the desk checks who may).

The checks of state and text are the staff desk's (``check_open``, ``check_text``); the
asker is told through the outbox in their channel and language, as a resident is.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.engine.dialog import do_prompt_resident
from handlers.envelope import Template
from handlers.errors import InvalidInput
from handlers.i18n import N_, gettext
from handlers.legal.lawyers import Lawyer, lawyers_of
from handlers.legal.topics import question_ref
from handlers.reminders.recipients import do_tell, person_recipient
from handlers.services.requests import do_tell_resident, shorten
from handlers.staff.actions import OPEN, check_text
from storage.enums import RequestEventKind, RequestStatus
from storage.models import LegalEvent, LegalQuestion, Person


def _event(session: AsyncSession, question: LegalQuestion, kind: RequestEventKind, lawyer: Lawyer | None,
           now: datetime, **values) -> LegalEvent:
    event = LegalEvent(question_id=question.id, kind=kind, at=now,
                       actor_person_id=lawyer.person_id if lawyer else None, **values)
    session.add(event)
    question.updated_at = now
    return event


def check_mine_or_free(question: LegalQuestion, lawyer: Lawyer) -> None:
    """Another lawyer's question is theirs until they hand it over."""
    if question.assignee_person_id not in (None, lawyer.person_id):
        raise InvalidInput(f"{question_ref(question.id)} is taken by another lawyer")


def check_still_open(question: LegalQuestion) -> None:
    if question.status == RequestStatus.RESOLVED:
        raise InvalidInput(f"{question_ref(question.id)} is already answered")
    if question.status not in OPEN:  # the staff desk's check_open, naming the question as a lawyer knows it
        raise InvalidInput(f"{question_ref(question.id)} is already closed ({question.status.value})")


async def do_take(session: AsyncSession, lawyer: Lawyer, question: LegalQuestion, now: datetime) -> None:
    check_still_open(question)
    if question.assignee_person_id == lawyer.person_id:
        raise InvalidInput("you have already taken this question")
    check_mine_or_free(question, lawyer)
    question.assignee_person_id = lawyer.person_id
    question.status = RequestStatus.IN_REVIEW
    _event(session, question, RequestEventKind.TAKEN, lawyer, now)


async def do_answer(session: AsyncSession, lawyer: Lawyer, question: LegalQuestion, text: str,
                    now: datetime) -> None:
    """The answer goes to the asker and closes the question (it may then be published)."""
    check_still_open(question)
    check_mine_or_free(question, lawyer)
    text = check_text(text)
    question.assignee_person_id = lawyer.person_id
    _event(session, question, RequestEventKind.ANSWERED, lawyer, now, text=text)
    _event(session, question, RequestEventKind.STATUS_CHANGED, lawyer, now,
           detail={"from": question.status.value, "to": RequestStatus.RESOLVED.value})
    question.status, question.answered_at, question.closed_at = RequestStatus.RESOLVED, now, now
    ref = question_ref(question.id)
    said = gettext(question.language, "⚖️ The lawyer's answer to your question {ref}:", ref=ref)
    await do_tell_resident(session, question, f"{said}\n{text}", now,
                           Template("legal_answer", {"1": ref, "2": shorten(text, 900)}))


async def do_ask_asker(session: AsyncSession, config: CoreConfig, lawyer: Lawyer, question: LegalQuestion,
                       text: str, now: datetime) -> None:
    check_still_open(question)
    check_mine_or_free(question, lawyer)
    text = check_text(text)
    question.assignee_person_id = lawyer.person_id
    question.status = RequestStatus.IN_REVIEW
    _event(session, question, RequestEventKind.CLARIFICATION_ASKED, lawyer, now, text=text)
    intro = gettext(question.language, "⚖️ The lawyer asks about your question {ref}:\n{text}",
                    ref=question_ref(question.id), text=text)
    await do_prompt_resident(session, config, question.person_id, intro, "legal_mine", "reply", now,
                             busy_hint=N_("To answer the lawyer, open «⚖️ Legal help» → «My questions» when "
                                          "you have finished."), question_id=question.id)


async def do_hand_over(session: AsyncSession, lawyer: Lawyer, question: LegalQuestion, to_person_id: int,
                       now: datetime) -> Person:
    check_still_open(question)
    check_mine_or_free(question, lawyer)
    colleagues = {p.id: p for p in await lawyers_of(session, question.municipality_id)}
    if to_person_id not in colleagues or to_person_id == lawyer.person_id:
        raise InvalidInput("no such other lawyer for this municipality")
    _event(session, question, RequestEventKind.FORWARDED, lawyer, now, detail={"to_person_id": to_person_id})
    question.assignee_person_id = to_person_id
    recipient = await person_recipient(session, to_person_id)
    if recipient is not None:
        do_tell(session, recipient, lambda language: gettext(
            language, "⚖️ {name} handed you the legal question {ref}:\n{text}", name=lawyer.name or "—",
            ref=question_ref(question.id), text=shorten(question.text, 500)), now)
    return colleagues[to_person_id]
