"""What staff do to a request, inside the caller's unit of work. Authorization is the
desk's job (``access.allowed_actions``); these functions check only the request's state
and the input, and tell the resident and the staff chat."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.engine.dialog import do_prompt_resident
from handlers.envelope import Template
from handlers.errors import InvalidInput
from handlers.i18n import N_, format_date, gettext, pick
from handlers.services.deadlines import DeadlineRule, due_date, end_of_day
from handlers.services.requests import (
    StatusRefused,
    do_answer_request,
    do_change_request_status,
    do_tell_resident,
    holidays_between,
)
from handlers.staff.access import Actor
from handlers.staff.cards import do_post_card, do_refresh_cards
from storage.enums import RequestEventKind, RequestStatus
from storage.models import Department, Request, RequestEvent, RequestFollower, ResponsibleBody

MAX_TEXT_CHARS = 4000
MAX_EXTENSION_DAYS = 30
OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)


def check_open(request: Request, wanted: RequestStatus | None = None) -> None:
    """Raises StatusRefused for a closed request (``wanted``: the status the action would give it)."""
    if request.status not in OPEN:
        raise StatusRefused(f"request {request.ticket} is already closed ({request.status.value})", request.status,
                            wanted)


def check_text(text: str | None, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput("the text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"the text is longer than {MAX_TEXT_CHARS} characters")
    return text


def _event(session: AsyncSession, request: Request, kind: RequestEventKind, actor: Actor, now: datetime,
           **values) -> RequestEvent:
    event = RequestEvent(request_id=request.id, kind=kind, at=now, actor_person_id=actor.person_id, **values)
    session.add(event)
    request.updated_at = now
    return event


async def do_take(session: AsyncSession, actor: Actor, request: Request, now: datetime) -> None:
    check_open(request, RequestStatus.IN_REVIEW)
    if request.assignee_person_id == actor.person_id:
        raise InvalidInput("you have already taken this request")
    request.assignee_person_id = actor.person_id
    _event(session, request, RequestEventKind.TAKEN, actor, now)
    if request.status == RequestStatus.RECEIVED:
        await do_change_request_status(session, request, RequestStatus.IN_REVIEW, actor_person_id=actor.person_id,
                                       note=None, now=now)


async def do_answer(session: AsyncSession, config: CoreConfig, actor: Actor, request: Request, text: str,
                    now: datetime, *, resolve: bool) -> None:
    check_open(request, RequestStatus.RESOLVED if resolve else None)
    await do_answer_request(session, request, check_text(text), actor_person_id=actor.person_id, now=now)
    request.answered_at = request.answered_at or now
    if resolve:
        await do_resolve(session, config, actor, request, None, now)


async def do_resolve(session: AsyncSession, config: CoreConfig, actor: Actor, request: Request, note: str | None,
                     now: datetime) -> None:
    check_open(request, RequestStatus.RESOLVED)
    note = check_text(note, required=False) or None
    await do_change_request_status(session, request, RequestStatus.RESOLVED, actor_person_id=actor.person_id,
                                   note=note, now=now)
    request.closed_at = now
    if note:
        request.answered_at = request.answered_at or now
    await do_offer_rating(session, config, request, now)


async def do_offer_rating(session: AsyncSession, config: CoreConfig, request: Request, now: datetime) -> None:
    """Offers the 1–5 rating of a resolved request to its author and to each resident who follows it
    (a follower busy with a draft is not interrupted: the status change has already told them)."""
    await do_prompt_resident(session, config, request.person_id, "", "feedback", "rate", now,
                             busy_hint=N_("You can rate the answer later in «My requests»."), request_id=request.id)
    followers = (await session.scalars(sa.select(RequestFollower.person_id).where(
        RequestFollower.request_id == request.id).order_by(RequestFollower.id))).all()
    for person_id in followers:
        await do_prompt_resident(session, config, person_id, "", "feedback", "rate", now, busy_hint=None,
                                 request_id=request.id)


async def do_reject(session: AsyncSession, actor: Actor, request: Request, reason: str,
                    responsible_body_id: int | None, now: datetime) -> None:
    check_open(request, RequestStatus.REJECTED)
    reason = check_text(reason)
    body = None
    if responsible_body_id is not None:
        body = await session.get(ResponsibleBody, responsible_body_id)
        if body is None or body.municipality_id != request.municipality_id:
            raise InvalidInput("no such responsible body in this municipality")
    request.responsible_body_id = body.id if body else None
    note = reason
    if body is not None:
        instead = pick(request.language, body.name_ky, body.name_ru)
        if body.contact:
            instead += f" ({body.contact})"
        note += "\n" + gettext(request.language, "Who can help instead: {body}", body=instead)
    await do_change_request_status(session, request, RequestStatus.REJECTED, actor_person_id=actor.person_id,
                                   note=note, now=now)
    request.closed_at = now
    request.answered_at = request.answered_at or now


async def do_ask_resident(session: AsyncSession, config: CoreConfig, actor: Actor, request: Request, question: str,
                          now: datetime) -> None:
    check_open(request)
    question = check_text(question)
    _event(session, request, RequestEventKind.CLARIFICATION_ASKED, actor, now, text=question)
    text = gettext(request.language, "A question from the municipality about your request {ticket}.",
                   ticket=request.ticket)
    await do_prompt_resident(session, config, request.person_id, text, "feedback", "reply", now,
                             busy_hint=N_("To answer it, open «My requests» when you have finished."),
                             request_id=request.id)


async def do_forward(session: AsyncSession, actor: Actor, request: Request, department_id: int, note: str | None,
                     now: datetime) -> None:
    check_open(request)
    department = await session.get(Department, department_id)
    if department is None or department.municipality_id != request.municipality_id:
        raise InvalidInput("no such department in this municipality")
    if department.id == request.department_id:
        raise InvalidInput("the request is already with this department")
    _event(session, request, RequestEventKind.FORWARDED, actor, now, department_id=department.id,
           text=check_text(note, required=False) or None)
    request.department_id, request.assignee_person_id = department.id, None
    await do_refresh_cards(session, request, now)
    await do_post_card(session, request, now)


async def do_extend(session: AsyncSession, config: CoreConfig, actor: Actor, request: Request, days: int,
                    reason: str, now: datetime) -> None:
    """Moves the deadline once, by at most 30 days (counted as the configured rule counts)."""
    check_open(request)
    reason = check_text(reason)
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(f"an extension is 1 to {MAX_EXTENSION_DAYS} days")
    if request.extensions >= 1:
        raise InvalidInput("the deadline has already been extended once")
    holidays = await holidays_between(session, request.due_date, days * 3 + 30)
    new_due = due_date(request.due_date, DeadlineRule(config.deadline_rule.count, days), holidays)
    _event(session, request, RequestEventKind.EXTENDED, actor, now, text=reason,
           detail={"from": request.due_date.isoformat(), "to": new_due.isoformat()})
    request.due_date, request.due_at = new_due, end_of_day(new_due, config.timezone)
    request.extensions += 1
    request.reminded_at = request.escalated_at = request.overdue_escalated_at = None
    language = request.language
    text = gettext(language, "The answer to your request {ticket} needs more time: the new date is {date}.\n"
                             "Reason: {reason}", ticket=request.ticket, date=format_date(new_due, language),
                   reason=reason)
    await do_tell_resident(session, request, text, now, Template("request_extended", {
        "1": request.ticket, "2": format_date(new_due, language)}))


def do_note(session: AsyncSession, actor: Actor, request: Request, text: str, now: datetime) -> None:
    _event(session, request, RequestEventKind.NOTE, actor, now, text=check_text(text))
