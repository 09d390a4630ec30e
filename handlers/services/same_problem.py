"""«The same problem»: open requests like the one a resident is about to send, joining one
instead (following its updates, counted as affected), and telling its followers what happens."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Reply, Template
from handlers.services import identities
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from storage.enums import Language, RequestStatus
from storage.models import Person, Request, RequestFollower

RECENT = timedelta(days=30)
NEAR_METRES = 300.0
OFFERED = 3
CANDIDATES = 30
"""Newest near ones read to find the three: a pin in the box's corners is more than 300 m away."""
OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)
_EARTH_METRES = 6_371_000.0


@dataclass(frozen=True)
class Where:
    """Where the resident's own request is: their quarter and the pin, if any."""

    quarter_id: int | None
    latitude: float | None
    longitude: float | None


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_METRES * math.asin(math.sqrt(a))


class _Placed(Protocol):
    quarter_id: int | None
    latitude: float | None
    longitude: float | None


def _near(request: _Placed, where: Where) -> bool:
    if where.quarter_id is not None and request.quarter_id == where.quarter_id:
        return True
    if None in (where.latitude, where.longitude, request.latitude, request.longitude):
        return False
    assert where.latitude is not None and where.longitude is not None  # for mypy
    assert request.latitude is not None and request.longitude is not None
    return metres_between(where.latitude, where.longitude, request.latitude, request.longitude) <= NEAR_METRES


def _near_in_sql(where: Where) -> sa.ColumnElement[bool] | None:
    """The same quarter, or a pin inside the box around the resident's pin that holds its 300 m circle
    (the exact distance is checked in Python, on these few): the database leaves out the rest."""
    near = []
    if where.quarter_id is not None:
        near.append(Request.quarter_id == where.quarter_id)
    if where.latitude is not None and where.longitude is not None:
        dlat = math.degrees(NEAR_METRES / _EARTH_METRES) * 1.01
        dlon = dlat / max(math.cos(math.radians(where.latitude)), 0.01)
        near.append(sa.and_(Request.latitude.between(where.latitude - dlat, where.latitude + dlat),
                            Request.longitude.between(where.longitude - dlon, where.longitude + dlon)))
    return sa.or_(*near) if near else None


async def similar_open_requests(session: AsyncSession, *, person: Person, category_id: int, where: Where,
                                now: datetime, private_ids: sa.Select[tuple[int]] | None = None) -> list[Request]:
    """Up to three open requests of the category from the last 30 days in the same quarter or within
    ~300 m of the pin, newest first; none of the person's own, those they already follow, nor those
    their authors asked not to publish (``private_ids``)."""
    near = _near_in_sql(where)
    if person.municipality_id is None or near is None:
        return []
    followed = sa.select(RequestFollower.request_id).where(RequestFollower.person_id == person.id)
    query = (sa.select(Request.id, Request.quarter_id, Request.latitude, Request.longitude)
             .where(Request.municipality_id == person.municipality_id, Request.category_id == category_id,
                    Request.status.in_(OPEN), Request.created_at >= now - RECENT,
                    Request.person_id != person.id, Request.id.not_in(followed), near)
             .order_by(Request.created_at.desc(), Request.id.desc()).limit(CANDIDATES))
    if private_ids is not None:
        query = query.where(Request.id.not_in(private_ids))
    offered = [row.id for row in (await session.execute(query)).all() if _near(row, where)][:OFFERED]
    if not offered:  # the candidates' places only, then the whole of the few offered: in a quarter where
        return []    # many wrote about one outage, 30 whole requests were read (twice) for 3
    found = {r.id: r for r in (await session.scalars(sa.select(Request).where(Request.id.in_(offered)))).all()}
    return [found[request_id] for request_id in offered]


async def do_follow(session: AsyncSession, request: Request, person: Person, language: Language,
                    now: datetime) -> bool:
    """The person follows the request; False (and nothing changes) if they already did or wrote it."""
    if request.person_id == person.id:
        return False
    existing = await session.scalar(sa.select(RequestFollower.id).where(
        RequestFollower.request_id == request.id, RequestFollower.person_id == person.id))
    if existing is not None:
        return False
    session.add(RequestFollower(request_id=request.id, person_id=person.id, language=language, joined_at=now))
    await session.flush()
    return True


async def affected_counts(session: AsyncSession, request_ids: list[int]) -> dict[int, int]:
    """How many residents each request affects: its author and its followers."""
    if not request_ids:
        return {}
    rows = (await session.execute(
        sa.select(RequestFollower.request_id, sa.func.count())
        .where(RequestFollower.request_id.in_(request_ids)).group_by(RequestFollower.request_id))).all()
    followers = {request_id: n for request_id, n in rows}
    return {request_id: 1 + followers.get(request_id, 0) for request_id in request_ids}


def affected_count_column() -> sa.ScalarSelect[int]:
    """The same count as a correlated subquery (to sort a list of requests by it)."""
    return (sa.select(sa.func.count(RequestFollower.id) + 1)
            .where(RequestFollower.request_id == Request.id).scalar_subquery())


async def do_tell_followers(session: AsyncSession, request: Request, text_in: Callable[[Language], str],
                            now: datetime, template: Template) -> None:
    """Tells each follower of the request, in the language they joined in."""
    followers = (await session.scalars(
        sa.select(RequestFollower).where(RequestFollower.request_id == request.id)
        .order_by(RequestFollower.id))).all()
    for follower in followers:
        identity = await identities.reachable_identity(session, follower.person_id)
        if identity is None:
            continue
        reply = Reply(text_in(follower.language), language=follower.language, template=template)
        do_enqueue(session, identity, reply, now, priority=PRIORITY_NOTIFICATION)
