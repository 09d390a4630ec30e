"""A municipality's public figures: requests this month and this year by category, place and
status, the share answered within the legal term, the median days to an answer, the trend by
month, the announcements sent, and the public hearings. Counts only: private requests are counted
(never listed), and nothing names a person."""

import statistics
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.anonymise import anonymise
from handlers.transparency.public_requests import Named
from storage.enums import BroadcastKind, BroadcastStatus, Language, RequestStatus
from storage.models import Broadcast, Category, Municipality, Quarter, Request, Village

TREND_MONTHS = 12
ANNOUNCEMENTS_SHOWN = 10
DAY = 86400


@dataclass(frozen=True)
class PublicHearings:
    """Provided by the feature that keeps public hearings (``Feature.provides``): a municipality's
    hearings that were not cancelled, latest first, each with ``hearing`` (``title``, ``place``,
    ``starts_at``, ``status``) and ``figures`` (``participants``, ``women``, ``from_groups``,
    ``proposals``, ``accepted``)."""

    of: Callable[[AsyncSession, int], Awaitable[list[Any]]]


@dataclass(frozen=True)
class Announcement:
    sent_at: datetime
    kind: BroadcastKind
    text: Named


@dataclass(frozen=True)
class HearingLine:
    title: str
    place: str
    starts_at: datetime
    participants: int
    women: int
    from_groups: int
    proposals: int
    accepted: int


@dataclass(frozen=True)
class Figures:
    municipality: Named
    month_total: int
    year_total: int
    by_category: list[tuple[Named, int]]
    """This year, most first."""
    by_place: list[tuple[Named, Named, int]]
    """(village, quarter, count) this year, most first."""
    by_status: list[tuple[RequestStatus, int]]
    """This year, in the statuses' order."""
    in_term: tuple[int, int]
    """This year: (answered within the term, answered or past the term)."""
    median_days: float | None
    """This year's answered requests: the median of days from receipt to the first answer."""
    trend: list[tuple[date, int]]
    """The first day of each of the last 12 months, and its count."""
    announcements: list[Announcement]
    upcoming: list[HearingLine]
    past: list[HearingLine]

    @property
    def in_term_share(self) -> float | None:
        return self.in_term[0] / self.in_term[1] if self.in_term[1] else None


def month_start(day: date, back: int = 0) -> date:
    months = day.year * 12 + day.month - 1 - back
    return date(months // 12, months % 12 + 1, 1)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _days_to_answer(dialect: str) -> sa.ColumnElement[Any]:
    """Days from receipt to the first answer, as the database computes them."""
    if dialect == "sqlite":
        return sa.func.julianday(Request.answered_at) - sa.func.julianday(Request.created_at)
    return sa.extract("epoch", Request.answered_at - Request.created_at) / DAY


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


async def _totals(session: AsyncSession, municipality_id: int, now: datetime, year_start: datetime,
                  month: datetime, months: list[datetime]) -> Any:
    """One row: this month's and this year's counts, the in-term pair, and a count per trend month
    (``months`` are the months' starts, oldest first, then the next month's start)."""
    year = Request.created_at >= year_start
    answered = Request.answered_at.is_not(None)
    columns = [_count(Request.created_at >= month), _count(year),
               _count(year & answered & (Request.answered_at <= Request.due_at)),
               _count(year & (Request.status != RequestStatus.MERGED)  # a duplicate is answered with its request
                      & (answered | (Request.due_at < now))),
               *(_count((Request.created_at >= begin) & (Request.created_at < end))
                 for begin, end in zip(months, months[1:], strict=False))]
    return (await session.execute(sa.select(*columns).where(
        Request.municipality_id == municipality_id, Request.created_at >= min(year_start, months[0])))).one()


async def _counted_by(session: AsyncSession, municipality_id: int, year_start: datetime, column: Any) -> Counter:
    rows = await session.execute(sa.select(column, sa.func.count()).where(
        Request.municipality_id == municipality_id, Request.created_at >= year_start).group_by(column))
    return Counter({key: count for key, count in rows})


async def _median_days(session: AsyncSession, municipality_id: int, year_start: datetime) -> float | None:
    """The median of this year's days to an answer: the middle one or two, sorted by the database."""
    answered = (Request.municipality_id == municipality_id, Request.created_at >= year_start,
                Request.answered_at.is_not(None))
    count = await session.scalar(sa.select(sa.func.count()).select_from(Request).where(*answered)) or 0
    if not count:
        return None
    days = _days_to_answer(session.get_bind().dialect.name)
    middle = (await session.scalars(sa.select(days).where(*answered).order_by(days)
                                    .offset((count - 1) // 2).limit(2 - count % 2))).all()
    return float(statistics.mean(middle))


async def _names(session: AsyncSession, municipality_id: int):
    """Category and (village, quarter) names by id, in the municipality's order (which breaks ties)."""
    categories = {c.id: Named(c.name_ky, c.name_ru) for c in (await session.scalars(
        sa.select(Category).where(Category.municipality_id == municipality_id)
        .order_by(Category.sort, Category.id))).all()}
    places = {q.id: (Named(v.name_ky, v.name_ru), Named(q.name_ky, q.name_ru)) for q, v in (await session.execute(
        sa.select(Quarter, Village).join(Village, Village.id == Quarter.village_id)
        .where(Quarter.municipality_id == municipality_id)
        .order_by(Village.sort, Village.id, Quarter.sort, Quarter.id))).all()}
    return categories, places


def _ranked(counts: Counter, order: dict) -> list:
    """The keys of ``order`` that were counted, most first, ties in ``order``'s order."""
    position = {key: index for index, key in enumerate(order)}
    return sorted((key for key in counts if key in position), key=lambda key: (-counts[key], position[key]))


async def announcements(session: AsyncSession, municipality_id: int, today: date,
                        tz: ZoneInfo) -> list[Announcement]:
    """Announcements sent to the whole municipality or to quarters (a group's notices stay the group's);
    an emergency only on its day."""
    query = (sa.select(Broadcast).where(
        Broadcast.municipality_id == municipality_id, Broadcast.status.in_([BroadcastStatus.SENDING,
                                                                            BroadcastStatus.DONE]),
        Broadcast.started_at.is_not(None))
        .order_by(Broadcast.started_at.desc(), Broadcast.id.desc()).limit(ANNOUNCEMENTS_SHOWN * 3))
    shown = []
    for broadcast in (await session.scalars(query)).all():
        if broadcast.group_ids:
            continue
        assert broadcast.started_at is not None
        if broadcast.kind == BroadcastKind.EMERGENCY and broadcast.started_at.astimezone(tz).date() < today:
            continue
        ky = broadcast.text_ky or broadcast.text_ru or ""
        ru = broadcast.text_ru or broadcast.text_ky or ""
        shown.append(Announcement(broadcast.started_at, broadcast.kind,
                                  Named(anonymise(ky, Language.KY).text, anonymise(ru, Language.RU).text)))
    return shown[:ANNOUNCEMENTS_SHOWN]


def _hearing_line(row: Any) -> HearingLine:
    figures = row.figures
    return HearingLine(row.hearing.title, row.hearing.place, row.hearing.starts_at, figures.participants,
                       figures.women, figures.from_groups, figures.proposals, figures.accepted)


async def _hearings(session: AsyncSession, sources: list[PublicHearings], municipality_id: int,
                    now: datetime) -> tuple[list[HearingLine], list[HearingLine]]:
    rows = [row for source in sources for row in await source.of(session, municipality_id)]
    upcoming = sorted((_hearing_line(r) for r in rows if r.hearing.starts_at >= now), key=lambda h: h.starts_at)
    past = [_hearing_line(r) for r in rows if r.hearing.starts_at < now]
    return upcoming, past


async def public_figures(session: AsyncSession, municipality: Municipality, now: datetime, tz: ZoneInfo,
                         hearings: list[PublicHearings]) -> Figures:
    """Counted by the database (a municipality's year may hold a hundred thousand requests)."""
    today = now.astimezone(tz).date()
    year_start = local_midnight(date(today.year, 1, 1), tz)
    month = local_midnight(month_start(today), tz)
    trend_months = [month_start(today, back) for back in range(TREND_MONTHS - 1, -1, -1)]
    bounds = [local_midnight(day, tz) for day in [*trend_months, month_start(today, -1)]]
    totals = await _totals(session, municipality.id, now, year_start, month, bounds)
    month_total, year_total, in_term, due, *trend = totals
    categories, places = await _names(session, municipality.id)
    by_category = await _counted_by(session, municipality.id, year_start, Request.category_id)
    by_place = await _counted_by(session, municipality.id, year_start, Request.quarter_id)
    by_status = await _counted_by(session, municipality.id, year_start, Request.status)
    upcoming, past = await _hearings(session, hearings, municipality.id, now)
    return Figures(
        municipality=Named(municipality.name_ky, municipality.name_ru),
        month_total=month_total, year_total=year_total,
        by_category=[(categories[c], by_category[c]) for c in _ranked(by_category, categories)],
        by_place=[(*places[q], by_place[q]) for q in _ranked(by_place, places)],
        by_status=[(status, by_status[status]) for status in RequestStatus if by_status[status]],
        in_term=(in_term, due),
        median_days=await _median_days(session, municipality.id, year_start),
        trend=list(zip(trend_months, trend, strict=True)),
        announcements=await announcements(session, municipality.id, today, tz),
        upcoming=upcoming, past=past)
