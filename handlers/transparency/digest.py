"""The weekly digest: on Monday morning (Asia/Bishkek) the past week's figures of each municipality,
one short message in the resident's language to those who asked for it, through the outbox as the
announcements go (their priority, their WhatsApp template), and to the municipality's public
Telegram channel if it has one (both languages in one post).

The week is claimed in ``job_runs`` in the same unit of work that writes the messages: a second run
(a restart, a second scheduler) sends nothing. A digest missed by more than ``LATEST`` is skipped.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.envelope import Reply, Template
from handlers.i18n import format_date, format_number, gettext, pick
from handlers.services.identities import insert_ignore, lock_identity, reachable_identity
from handlers.services.outbox import PRIORITY_BROADCAST, do_enqueue
from handlers.transparency.settings import public_settings
from handlers.transparency.subscriptions import subscribers
from storage.db import rowcount
from storage.enums import Channel, Language, RequestStatus
from storage.models import Category, JobRun, Municipality, Request

JOB = "weekly_digest"
AT = time(9, 0)
"""Monday, local time."""
LATEST = timedelta(hours=12)
OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)


@dataclass(frozen=True)
class Week:
    new: int
    answered: int
    in_term: int
    open: int
    top: tuple[str, str, int] | None
    """The category asked about most this week: (Kyrgyz name, Russian name, count)."""


def week_due(now: datetime, config: CoreConfig) -> datetime:
    """The latest Monday digest moment at or before ``now``, local."""
    local = now.astimezone(config.timezone)
    monday = local.date() - timedelta(days=local.weekday())
    moment = datetime.combine(monday, AT, tzinfo=config.timezone)
    return moment if moment <= local else moment - timedelta(days=7)


async def week_figures(session: AsyncSession, municipality_id: int, start: datetime, end: datetime) -> Week:
    mine = Request.municipality_id == municipality_id
    new = (await session.execute(sa.select(Request.category_id).where(
        mine, Request.created_at >= start, Request.created_at < end))).scalars().all()
    answered = (await session.execute(sa.select(Request.answered_at <= Request.due_at).where(
        mine, Request.answered_at >= start, Request.answered_at < end))).scalars().all()
    still_open = await session.scalar(sa.select(sa.func.count()).select_from(Request).where(
        mine, Request.status.in_(OPEN)))
    top = None
    if new:
        category_id, count = Counter(new).most_common(1)[0]
        category = await session.get(Category, category_id)
        assert category is not None
        top = (category.name_ky, category.name_ru, count)
    return Week(len(new), len(answered), sum(1 for in_term in answered if in_term), still_open or 0, top)


def digest_text(week: Week, municipality: Municipality, start: date, end: date) -> Callable[[Language], str]:
    def compose(language: Language) -> str:
        def number(n: int) -> str:
            return format_number(n, language)
        lines = [gettext(language, "📊 {municipality}: the week of {start} – {end}",
                         municipality=pick(language, municipality.name_ky, municipality.name_ru),
                         start=format_date(start, language), end=format_date(end, language)),
                 gettext(language, "New requests: {count}", count=number(week.new)),
                 gettext(language, "Answered: {count}, within the legal term: {in_term}",
                         count=number(week.answered), in_term=number(week.in_term)),
                 gettext(language, "Being worked on now: {count}", count=number(week.open))]
        if week.top is not None:
            lines.append(gettext(language, "Asked about most: {category} ({count})",
                                 category=pick(language, week.top[0], week.top[1]), count=number(week.top[2])))
        return "\n".join(lines)
    return compose


async def _do_claim(session: AsyncSession, key: str, now: datetime) -> bool:
    result = await session.execute(insert_ignore(session, JobRun).values(job=JOB, run_key=key, at=now))
    return rowcount(result) == 1


async def do_send_weekly_digest(session: AsyncSession, now: datetime, config: CoreConfig) -> int | None:
    """Sends the week's digest unless it went already (or is too late); returns how many messages."""
    due = week_due(now, config)
    if now - due > LATEST or not await _do_claim(session, due.date().isoformat(), now):
        return None
    end = datetime.combine(due.date(), time(0), tzinfo=config.timezone)
    start = end - timedelta(days=7)
    sent = 0
    for municipality in (await session.scalars(sa.select(Municipality).order_by(Municipality.id))).all():
        people = await subscribers(session, municipality.id)
        channel = (await public_settings(session, municipality.id)).channel
        if not people and not channel:
            continue
        week = await week_figures(session, municipality.id, start, end)
        compose = digest_text(week, municipality, start.date(), (end - timedelta(days=1)).date())
        for person in people:
            identity = await reachable_identity(session, person.id)
            if identity is None:
                continue
            name = pick(person.language, municipality.name_ky, municipality.name_ru)
            text = compose(person.language)
            do_enqueue(session, identity, Reply(text, language=person.language,
                                                template=Template("broadcast", {"1": name, "2": text})),
                       now, priority=PRIORITY_BROADCAST)
            sent += 1
        if channel:
            identity = await lock_identity(session, Channel(channel.split(":", 1)[0]), channel, now)
            if identity.blocked_at is None:
                text = compose(Language.KY) + "\n\n" + compose(Language.RU)
                do_enqueue(session, identity, Reply(text, language=Language.KY), now, priority=PRIORITY_BROADCAST)
                sent += 1
    return sent
