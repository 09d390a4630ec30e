"""The morning digest: each department's staff chat and each head hear what is new, open,
due today and overdue (with ticket numbers), once per local day.

The day's digest is claimed in ``job_runs`` in the same unit of work that writes it, so
a second run the same day (a restart, a second scheduler) sends nothing. A digest
missed by more than ``DIGEST_LATEST`` (the service was down all day) is skipped: the
next morning's tells the same story.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.envelope import Template
from handlers.i18n import format_date, format_number, gettext, pick
from handlers.reminders.recipients import Recipient, do_tell, heads_of, staff_chat_of
from handlers.reminders.runs import do_claim_run, previous_run_at
from handlers.reminders.watch import OPEN, is_watched
from storage.enums import Language
from storage.models import Department, Municipality, Request

DIGEST_JOB = "morning_digest"
DIGEST_LATEST = timedelta(hours=12)
"""How late a missed digest is still sent (the scheduler's grace time for it too)."""
SHOWN_TICKETS = 20


def digest_due(now: datetime, config: CoreConfig) -> datetime:
    """The latest digest moment at or before ``now``, in local time."""
    local = now.astimezone(config.timezone)
    moment = datetime.combine(local.date(), config.digest_time, tzinfo=config.timezone)
    if moment > local:
        moment = datetime.combine(local.date() - timedelta(days=1), config.digest_time, tzinfo=config.timezone)
    return moment


@dataclass(frozen=True)
class Tickets:
    count: int
    shown: list[str]


@dataclass(frozen=True)
class Summary:
    new: int
    open: int
    due_today: Tickets
    overdue: Tickets


async def _count(session: AsyncSession, *conditions: sa.ColumnElement[bool]) -> int:
    return (await session.execute(sa.select(sa.func.count()).select_from(Request).where(*conditions))).scalar_one()


async def _tickets(session: AsyncSession, *conditions: sa.ColumnElement[bool]) -> Tickets:
    shown = (await session.scalars(sa.select(Request.ticket).where(*conditions)
                                   .order_by(Request.due_at, Request.id).limit(SHOWN_TICKETS))).all()
    count = len(shown) if len(shown) < SHOWN_TICKETS else await _count(session, *conditions)
    return Tickets(count, list(shown))


async def summarize(session: AsyncSession, municipality_id: int, department_id: int | None, *,
                    since: datetime, now: datetime, today: date) -> Summary:
    scope = [Request.municipality_id == municipality_id]
    if department_id is not None:
        scope.append(Request.department_id == department_id)
    return Summary(
        new=await _count(session, *scope, Request.created_at > since),
        open=await _count(session, *scope, Request.status.in_(OPEN)),
        due_today=await _tickets(session, *scope, is_watched(), Request.due_date == today, Request.due_at > now),
        overdue=await _tickets(session, *scope, is_watched(), Request.due_at <= now),
    )


def digest_text(summary: Summary, scope: Callable[[Language], str], day: date) -> Callable[[Language], str]:
    def compose(language: Language) -> str:
        def number(n: int) -> str:
            return format_number(n, language)

        def listed(line: str, tickets: Tickets) -> str:
            if not tickets.shown:
                return line
            more = tickets.count - len(tickets.shown)
            listing = ", ".join(tickets.shown)
            if more > 0:
                listing += " " + gettext(language, "… and {count} more", count=number(more))
            return f"{line} — {listing}"

        lines = [gettext(language, "☀️ Morning digest, {date}: {scope}", date=format_date(day, language),
                         scope=scope(language)),
                 gettext(language, "New since the last digest: {count}", count=number(summary.new))]
        if summary.open == 0:
            lines.append(gettext(language, "No open requests."))
        else:
            lines += [gettext(language, "Open: {count}", count=number(summary.open)),
                      listed(gettext(language, "Due today: {count}", count=number(summary.due_today.count)),
                             summary.due_today),
                      listed(gettext(language, "Overdue: {count}", count=number(summary.overdue.count)),
                             summary.overdue)]
        return "\n".join(lines)

    return compose


async def do_send_morning_digest(session: AsyncSession, now: datetime, config: CoreConfig) -> int | None:
    """Sends the day's digest unless it was sent already (or is too late); returns how many messages."""
    due = digest_due(now, config)
    day = due.date()
    if now - due > DIGEST_LATEST or not await do_claim_run(session, DIGEST_JOB, day.isoformat(), now):
        return None
    since = await previous_run_at(session, DIGEST_JOB, day.isoformat()) or now - timedelta(days=1)
    sent = 0
    for municipality in (await session.scalars(sa.select(Municipality).order_by(Municipality.id))).all():
        heads = await heads_of(session, municipality.id)
        if heads:
            summary = await summarize(session, municipality.id, None, since=since, now=now, today=day)
            sent += _do_send(session, heads, summary, _names_of(municipality),
                             day, now)
        departments = (await session.scalars(
            sa.select(Department).where(Department.municipality_id == municipality.id,
                                        Department.staff_chat.is_not(None)).order_by(Department.id))).all()
        for department in departments:
            chat = await staff_chat_of(session, department, now)
            if chat is None:
                continue
            summary = await summarize(session, municipality.id, department.id, since=since, now=now, today=day)
            sent += _do_send(session, [chat], summary, _names_of(department),
                             day, now)
    return sent


def _names_of(place: Municipality | Department) -> Callable[[Language], str]:
    return lambda language: pick(language, place.name_ky, place.name_ru)


def _do_send(session: AsyncSession, recipients: list[Recipient], summary: Summary,
             scope: Callable[[Language], str], day: date, now: datetime) -> int:
    compose = digest_text(summary, scope, day)
    template = Template("staff_digest", {"1": day.isoformat(), "2": str(summary.overdue.count)})
    for recipient in recipients:
        do_tell(session, recipient, compose, now, template)
    return len(recipients)
