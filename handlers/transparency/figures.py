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


async def _requests_since(session: AsyncSession, municipality_id: int, since: datetime) -> list[Any]:
    query = (sa.select(Request.created_at, Request.status, Request.category_id, Request.quarter_id,
                       Request.answered_at, Request.due_at)
             .where(Request.municipality_id == municipality_id, Request.created_at >= since))
    return list((await session.execute(query)).all())


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
    today = now.astimezone(tz).date()
    year_start = local_midnight(date(today.year, 1, 1), tz)
    month = local_midnight(month_start(today), tz)
    trend_start = local_midnight(month_start(today, TREND_MONTHS - 1), tz)
    rows = await _requests_since(session, municipality.id, min(year_start, trend_start))
    categories, places = await _names(session, municipality.id)
    this_year = [r for r in rows if r.created_at >= year_start]
    by_category = Counter(r.category_id for r in this_year)
    by_place = Counter(r.quarter_id for r in this_year)
    by_status = Counter(r.status for r in this_year)
    answered = [r for r in this_year if r.answered_at is not None]
    due = [r for r in this_year if r.status != RequestStatus.MERGED  # a duplicate is answered with its request
           and (r.answered_at is not None or r.due_at < now)]
    trend = Counter(month_start(r.created_at.astimezone(tz).date()) for r in rows if r.created_at >= trend_start)
    upcoming, past = await _hearings(session, hearings, municipality.id, now)
    return Figures(
        municipality=Named(municipality.name_ky, municipality.name_ru),
        month_total=sum(1 for r in rows if r.created_at >= month), year_total=len(this_year),
        by_category=[(categories[c], by_category[c]) for c in _ranked(by_category, categories)],
        by_place=[(*places[q], by_place[q]) for q in _ranked(by_place, places)],
        by_status=[(status, by_status[status]) for status in RequestStatus if by_status[status]],
        in_term=(sum(1 for r in answered if r.answered_at <= r.due_at), len(due)),
        median_days=(statistics.median((r.answered_at - r.created_at).total_seconds() / DAY for r in answered)
                     if answered else None),
        trend=[(month_start(today, back), trend[month_start(today, back)]) for back in range(TREND_MONTHS - 1, -1, -1)],
        announcements=await announcements(session, municipality.id, today, tz),
        upcoming=upcoming, past=past)
