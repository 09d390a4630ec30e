"""The deadline watch: each step handles at most ``limit`` requests in the caller's unit of work.

A request is watched while it is open (received or under review) and unanswered. Each
notice is given at most once per deadline: the request's ``reminded_at``,
``escalated_at`` and ``overdue_escalated_at`` say it was given, and an extension of the
deadline clears them (the staff desk's extension does). Rows are locked (PostgreSQL skips rows
another unit of work holds: the next sweep takes them), so a notice is never given twice.

    due_at - remind_before    remind the assignee, or the staff chat when nobody took it
    due_at - escalate_before  tell the head(s): the deadline is near
    due_at                    tell the head(s): the deadline has passed

The same watch serves every kind of item with a legal deadline (``Watched``): requests here,
legal questions in ``handlers.legal.deadlines`` (reminding their lawyer, escalating to the
lawyers' chat).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.envelope import Template
from handlers.i18n import gettext
from handlers.reminders.escalation import EscalationReason, do_escalate_to_head
from handlers.reminders.facts import facts_of
from handlers.reminders.recipients import do_tell, person_recipient, staff_chat_of
from storage.enums import Language, RequestEventKind, RequestStatus
from storage.models import Request, RequestEvent

OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)


@dataclass(frozen=True)
class Watched:
    """A kind of item with a deadline: a model with ``status``, ``answered_at``, ``due_at``,
    ``reminded_at``, ``escalated_at`` and ``overdue_escalated_at``; how to remind of one; how
    to escalate one (near or past its deadline)."""

    model: Any
    remind: Callable[[AsyncSession, Any, datetime, CoreConfig], Awaitable[str]]
    escalate: Callable[[AsyncSession, Any, EscalationReason, datetime, CoreConfig], Awaitable[int]]


REQUESTS = Watched(Request, lambda session, request, now, _config: do_remind(session, request, now),
                   lambda session, request, reason, now, _config: do_escalate_to_head(session, request, reason, now))


def is_watched(model: Any = Request) -> sa.ColumnElement[bool]:
    """Open and not answered yet: its deadline still matters."""
    return sa.and_(model.status.in_(OPEN), model.answered_at.is_(None))


async def _claim(session: AsyncSession, watched: Watched, *conditions: sa.ColumnElement[bool],
                 limit: int) -> list[Any]:
    model = watched.model
    query = (sa.select(model).where(is_watched(model), *conditions)
             .order_by(model.due_at, model.id).limit(limit).with_for_update(skip_locked=True))
    return list((await session.scalars(query)).all())


async def do_remind_before_deadline(session: AsyncSession, now: datetime, config: CoreConfig, *,
                                   limit: int = 100, watched: Watched = REQUESTS) -> int:
    """Reminds of the items whose deadline is less than ``remind_before`` away; returns how many."""
    model = watched.model
    items = await _claim(session, watched, model.reminded_at.is_(None), model.due_at > now,
                         model.due_at <= now + config.remind_before, limit=limit)
    for item in items:
        await watched.remind(session, item, now, config)
    return len(items)


async def do_remind(session: AsyncSession, request: Request, now: datetime) -> str:
    """One reminder: to the assignee if they can be reached, else to the department's staff chat."""
    facts = await facts_of(session, request)
    recipient = await person_recipient(session, request.assignee_person_id) if request.assignee_person_id else None
    to = "assignee"
    if recipient is None:
        recipient, to = await staff_chat_of(session, facts.department, now), "staff_chat"

    def compose(language: Language) -> str:
        headline = gettext(language, "⏰ Reminder: request {ticket} ({category}), answer due: {due}",
                           **facts.values(language))
        lines = [headline] if to == "assignee" else [headline, facts.assignee_line(language)]
        return "\n".join([*lines, facts.excerpt])

    if recipient is None:
        to = "nobody"
    else:
        template = Template("staff_reminder", {"1": request.ticket, "2": request.due_date.isoformat()})
        do_tell(session, recipient, compose, now, template)
    request.reminded_at = now
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.REMINDED, at=now, detail={"to": to}))
    return to


async def do_escalate_near_deadline(session: AsyncSession, now: datetime, config: CoreConfig, *,
                                    limit: int = 100, watched: Watched = REQUESTS) -> int:
    """Escalates the items whose deadline is less than ``escalate_before`` away (requests: to the head)."""
    model = watched.model
    items = await _claim(session, watched, model.escalated_at.is_(None), model.due_at > now,
                         model.due_at <= now + config.escalate_before, limit=limit)
    for item in items:
        await watched.escalate(session, item, EscalationReason.DEADLINE_NEAR, now, config)
        item.escalated_at = now
    return len(items)


async def do_escalate_overdue(session: AsyncSession, now: datetime, config: CoreConfig, *,
                              limit: int = 100, watched: Watched = REQUESTS) -> int:
    """Escalates the items whose deadline has passed without an answer."""
    model = watched.model
    items = await _claim(session, watched, model.overdue_escalated_at.is_(None), model.due_at <= now, limit=limit)
    for item in items:
        await watched.escalate(session, item, EscalationReason.OVERDUE, now, config)
        item.overdue_escalated_at = now
    return len(items)


WATCH_STEPS = (do_remind_before_deadline, do_escalate_near_deadline, do_escalate_overdue)
