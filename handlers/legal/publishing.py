"""An answer joins the base: the lawyer marks it "publish", sees it anonymised (a draft, never
searchable), corrects it if needed and approves; then it is published, tagged with the
question's topic and language, and the search index is refreshed.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput
from handlers.legal.lawyers import Lawyer
from handlers.legal.search import mark_index_stale
from handlers.legal.topics import question_ref
from handlers.services.anonymise import anonymise
from handlers.staff.actions import check_text
from storage.enums import AnswerStatus, RequestEventKind, RequestStatus
from storage.models import LegalAnswer, LegalEvent, LegalQuestion


async def draft_of(session: AsyncSession, question: LegalQuestion) -> LegalAnswer | None:
    return (await session.execute(sa.select(LegalAnswer).where(
        LegalAnswer.source_question_id == question.id))).scalar_one_or_none()


async def do_prepare_publication(session: AsyncSession, lawyer: Lawyer, question: LegalQuestion,
                                 now: datetime) -> LegalAnswer:
    """The anonymised draft of the question and its answer, for the lawyer to approve."""
    if question.status != RequestStatus.RESOLVED:
        raise InvalidInput(f"{question_ref(question.id)} has no answer yet")
    answered = await session.scalar(sa.select(LegalEvent.text).where(
        LegalEvent.question_id == question.id, LegalEvent.kind == RequestEventKind.ANSWERED)
        .order_by(LegalEvent.id.desc()).limit(1))
    existing = await draft_of(session, question)
    if existing is not None and existing.status == AnswerStatus.PUBLISHED:
        raise InvalidInput(f"the answer to {question_ref(question.id)} is already published")
    asked, answer = anonymise(question.text, question.language), anonymise(answered or "", question.language)
    draft = existing or LegalAnswer(source_question_id=question.id, helped=0, demo=False, created_at=now)
    draft.status, draft.topic, draft.language = AnswerStatus.DRAFT, question.topic, question.language
    draft.question, draft.answer, draft.author_person_id, draft.updated_at = asked.text, answer.text, \
        lawyer.person_id, now
    session.add(draft)
    await session.flush()
    return draft


async def do_approve_publication(session: AsyncSession, lawyer: Lawyer, question: LegalQuestion, asked: str,
                                 answer: str, now: datetime) -> LegalAnswer:
    """Publishes the draft with the texts the lawyer approved (anonymised once more, in case)."""
    draft = await draft_of(session, question)
    if draft is None or draft.status != AnswerStatus.DRAFT:
        raise InvalidInput(f"there is no draft answer of {question_ref(question.id)} to approve")
    draft.question = anonymise(check_text(asked), question.language).text
    draft.answer = anonymise(check_text(answer), question.language).text
    draft.status, draft.published_at, draft.updated_at = AnswerStatus.PUBLISHED, now, now
    draft.author_person_id = lawyer.person_id
    mark_index_stale(session)
    return draft


async def do_withdraw(session: AsyncSession, answer: LegalAnswer, now: datetime) -> None:
    answer.status, answer.updated_at = AnswerStatus.WITHDRAWN, now
    mark_index_stale(session)
