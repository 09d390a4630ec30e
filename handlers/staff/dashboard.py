"""The numbers for a period: requests by status, category and quarter, overdue ones, the
median time to the first answer, and residents' ratings (over what the actor may see)."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import pick
from handlers.services.places import place_label
from handlers.services.requests import status_label
from handlers.staff.access import Actor, visible
from handlers.staff.views import OPEN_STATUSES, RequestRow, local_day_start, row_query, to_row
from storage.enums import RequestEventKind, RequestSource, RequestStatus
from storage.models import Category, Quarter, Request, RequestEvent, RequestFollower, Village

OVERDUE_SHOWN = 20


@dataclass(frozen=True)
class Dashboard:
    date_from: date
    date_to: date
    total: int
    by_status: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_quarter: list[tuple[str, int]]
    by_source: list[tuple[str, int]]
    """(``RequestSource`` value, count): how the period's appeals arrived."""
    overdue: int
    overdue_rows: list[RequestRow]
    median_hours_to_answer: float | None
    ratings: dict[int, int]
    average_rating: float | None
    not_solved: int


async def dashboard(session: AsyncSession, actor: Actor, date_from: date, date_to: date, now: datetime,
                    tz) -> Dashboard:
    language = actor.language
    in_period = sa.and_(visible(actor), Request.created_at >= local_day_start(date_from, tz),
                        Request.created_at < local_day_start(date_to + timedelta(days=1), tz))

    async def grouped(*columns, join=None, then=None) -> list[tuple]:
        query = sa.select(*columns, sa.func.count()).select_from(Request)
        for joined in (join, then):
            if joined is not None:
                query = query.outerjoin(*joined)
        return list((await session.execute(query.where(in_period).group_by(*columns))).all())

    statuses = dict(await grouped(Request.status))
    sources = dict(await grouped(Request.source))
    categories = await grouped(Category.id, Category.name_ky, Category.name_ru,
                               join=(Category, Category.id == Request.category_id))
    quarters = await grouped(Quarter.id, Quarter.name_ky, Quarter.name_ru, Village.name_ky, Village.name_ru,
                             join=(Quarter, Quarter.id == Request.quarter_id),
                             then=(Village, Village.id == Quarter.village_id))
    ratings: Counter[int] = Counter()  # each resident's rating once: the author's and each follower's
    for query in (sa.select(Request.rating, sa.func.count()).where(in_period, Request.rating.is_not(None))
                  .group_by(Request.rating),
                  sa.select(RequestFollower.rating, sa.func.count())
                  .join(Request, Request.id == RequestFollower.request_id)
                  .where(in_period, RequestFollower.rating.is_not(None)).group_by(RequestFollower.rating)):
        ratings.update({rating: n for rating, n in (await session.execute(query)).all() if rating is not None})
    answered = (await session.execute(
        sa.select(Request.created_at, Request.answered_at).where(in_period, Request.answered_at.is_not(None)))).all()
    overdue_condition = sa.and_(visible(actor), Request.status.in_(OPEN_STATUSES), Request.due_at <= now)
    overdue = await session.scalar(sa.select(sa.func.count()).select_from(Request).where(overdue_condition))
    overdue_rows = (await session.execute(row_query().where(overdue_condition)
                                          .order_by(Request.due_at, Request.id).limit(OVERDUE_SHOWN))).all()
    not_solved = await session.scalar(
        sa.select(sa.func.count()).select_from(RequestEvent).join(Request, Request.id == RequestEvent.request_id)
        .where(in_period, RequestEvent.kind == RequestEventKind.REOPENED))
    rated = sum(ratings.values())
    hours = [(answered_at - created_at).total_seconds() / 3600 for created_at, answered_at in answered
             if answered_at is not None]
    return Dashboard(
        date_from=date_from, date_to=date_to, total=sum(statuses.values()),
        by_status=[(status_label(s, language), statuses.get(s, 0)) for s in RequestStatus],
        by_category=sorted(((pick(language, ky, ru), n) for _id, ky, ru, n in categories), key=lambda x: -x[1]),
        by_quarter=sorted(((place_label(pick(language, v_ky, v_ru), pick(language, ky, ru)), n)
                           for _id, ky, ru, v_ky, v_ru, n in quarters),
                          key=lambda x: -x[1]),
        by_source=[(s.value, sources[s]) for s in RequestSource if sources.get(s)],
        overdue=overdue or 0, overdue_rows=[to_row(r, language, now) for r in overdue_rows],
        median_hours_to_answer=round(median(hours), 1) if hours else None,
        ratings={score: ratings.get(score, 0) for score in range(1, 6)},
        average_rating=round(sum(s * n for s, n in ratings.items()) / rated, 2) if rated else None,
        not_solved=not_solved or 0,
    )
