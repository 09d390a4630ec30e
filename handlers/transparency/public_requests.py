"""A request as the public sees it (the Open311 API, the open data): its number, category, status,
dates, department, village and quarter with the quarter's centre, and its description anonymised
or none, as the municipality chooses. Never a person, a pin, a photo or a staff note; a request
its author asked to keep private is not listed."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.anonymise import anonymise
from handlers.transparency.models import PrivateRequest
from handlers.transparency.settings import public_settings, quarter_centres
from storage.enums import Language, RequestStatus
from storage.models import Category, Department, Municipality, Quarter, Request, Village

OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)
CLOSED_STATUSES = (RequestStatus.RESOLVED, RequestStatus.REJECTED, RequestStatus.MERGED)
STATES = {"open": OPEN_STATUSES, "closed": CLOSED_STATUSES}
DEFAULT_SPAN = timedelta(days=90)
"""Without dates, the most recent 90 days (GeoReport v2's default)."""
MAX_LISTED = 1000


@dataclass(frozen=True)
class Named:
    ky: str
    ru: str

    def __call__(self, language: Language) -> str:
        return self.ky if language == Language.KY else self.ru


@dataclass(frozen=True)
class PublicRequest:
    ticket: str
    category_code: str
    category: Named
    status: RequestStatus
    requested_at: datetime
    updated_at: datetime
    expected_at: datetime
    department: Named | None
    village: Named | None
    quarter: Named | None
    point: tuple[float, float] | None
    """The quarter's centre, if the municipality set it (``admin public centre``)."""
    description: str | None

    @property
    def state(self) -> str:
        return "open" if self.status in OPEN_STATUSES else "closed"


@dataclass(frozen=True)
class Filters:
    tickets: tuple[str, ...] = ()
    """Given, they override every other filter (as GeoReport v2 says)."""
    category_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    states: tuple[str, ...] = ()
    limit: int | None = MAX_LISTED
    """``None``: all (the open data of a month)."""


def _is_public():
    return ~sa.exists(sa.select(PrivateRequest.request_id).where(PrivateRequest.request_id == Request.id))


async def public_requests(session: AsyncSession, municipality: Municipality, filters: Filters,
                          now: datetime) -> list[PublicRequest]:
    query = (sa.select(Request, Category, Department, Quarter, Village)
             .join(Category, Category.id == Request.category_id)
             .outerjoin(Department, Department.id == Request.department_id)
             .outerjoin(Quarter, Quarter.id == Request.quarter_id)
             .outerjoin(Village, Village.id == Quarter.village_id)
             .where(Request.municipality_id == municipality.id, _is_public()))
    if filters.tickets:
        query = query.where(Request.ticket.in_([t.strip().upper() for t in filters.tickets]))
    else:
        start, end = filters.start, filters.end
        if start is None and end is None:
            start = now - DEFAULT_SPAN
        if start is not None:
            query = query.where(Request.created_at >= start)
        if end is not None:
            query = query.where(Request.created_at <= end)
        if filters.category_codes:
            query = query.where(Category.code.in_(filters.category_codes))
        if filters.states:
            query = query.where(Request.status.in_([s for state in filters.states for s in STATES[state]]))
    query = query.order_by(Request.created_at.desc(), Request.id.desc())
    if filters.limit is not None:
        query = query.limit(filters.limit)
    rows = (await session.execute(query)).all()
    show = (await public_settings(session, municipality.id)).show_descriptions
    centres = await quarter_centres(session, municipality.id)
    return [_public(request, category, department, quarter, village, centres, show)
            for request, category, department, quarter, village in rows]


def _named(row) -> Named | None:
    return Named(row.name_ky, row.name_ru) if row is not None else None


def _public(request: Request, category: Category, department: Department | None, quarter: Quarter | None,
            village: Village | None, centres: dict[int, tuple[float, float]], show: bool) -> PublicRequest:
    description = anonymise(request.description, request.language).text if show and request.description else None
    return PublicRequest(
        ticket=request.ticket, category_code=category.code, category=Named(category.name_ky, category.name_ru),
        status=request.status, requested_at=request.created_at, updated_at=request.updated_at,
        expected_at=request.due_at, department=_named(department), village=_named(village), quarter=_named(quarter),
        point=centres.get(request.quarter_id) if request.quarter_id is not None else None, description=description)
