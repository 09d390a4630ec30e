"""What staff see: request rows, one request in full, and the choices for forms and filters.

Every query is limited by ``access.visible(actor)``; labels are in the actor's language.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.i18n import N_, gettext, pick
from handlers.services.places import place_label, quarter_choices
from handlers.services.requests import shorten, status_label
from handlers.services.same_problem import affected_count_column
from handlers.staff.access import Actor, StaffAction, visible
from storage.enums import AnswerForm, AttachmentKind, Channel, Language, RequestEventKind, RequestSource, RequestStatus
from storage.models import (
    Category,
    Department,
    Person,
    Quarter,
    ReplyTemplate,
    Request,
    RequestAttachment,
    RequestEvent,
    RequestScan,
    ResponsibleBody,
    Village,
)
from storage.text_search import NEWEST_FIRST, SearchTextContains, newest_matches

OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)
MAX_EXPORT_ROWS = 100_000
MAX_SEARCH_CHARS = 100
TOTAL_COUNTED = 10_000
"""A list counts its rows only up to here (or up to the page asked for): counting a million
takes longer than the page itself; beyond it the total is shown as "10,000+"."""
TEXT_COUNTED = 1_000
"""A search in the descriptions counts its matches up to here (or up to the page asked for): a clerk
narrows a search that finds more, and finding the ten-thousandth match of a common word takes
about ten times as long as finding the thousandth."""
WHOLE_TICKET = re.compile(r"[a-z]{2,10}-\d{4}-\d{6}")
"""A whole ticket number (case-folded): looked up by the ticket's index, not searched for."""

EVENT_LABELS = {
    RequestEventKind.CREATED: N_("Request received"),
    RequestEventKind.ROUTED: N_("Routed to a department"),
    RequestEventKind.STATUS_CHANGED: N_("Status changed"),
    RequestEventKind.ANSWERED: N_("Answer sent to the resident"),
    RequestEventKind.QUARTER_HEAD_COPIED: N_("Copy sent to the quarter head"),
    RequestEventKind.TAKEN: N_("Taken"),
    RequestEventKind.FORWARDED: N_("Forwarded"),
    RequestEventKind.CLARIFICATION_ASKED: N_("Question to the resident"),
    RequestEventKind.RESIDENT_REPLIED: N_("The resident replied"),
    RequestEventKind.NOTE: N_("Internal note"),
    RequestEventKind.EXTENDED: N_("Deadline extended"),
    RequestEventKind.REMINDED: N_("Reminder sent"),
    RequestEventKind.ESCALATED: N_("Escalated to the head"),
    RequestEventKind.RATED: N_("Rated by the resident"),
    RequestEventKind.REOPENED: N_("Reopened: the resident says it is not solved"),
    RequestEventKind.MERGED: N_("Merged as a duplicate"),
    RequestEventKind.MERGED_IN: N_("Another request merged into this one"),
}


@dataclass(frozen=True)
class RequestFilters:
    status: RequestStatus | None = None
    category_id: int | None = None
    department_id: int | None = None
    quarter_id: int | None = None
    overdue: bool = False
    created_from: date | None = None
    created_to: date | None = None
    text: str | None = None
    most_affected: bool = False
    """Sorted by how many residents each request affects (most first), newest first among equals."""
    source: RequestSource | None = None
    """How the requests arrived (the journal's vocabulary: messenger, reception, paper, …)."""


@dataclass(frozen=True)
class RequestRow:
    id: int
    ticket: str
    created_at: datetime
    category: str
    quarter: str
    department: str
    status: RequestStatus
    status_label: str
    due_date: date
    overdue: bool
    preview: str
    assignee: str
    source: RequestSource = RequestSource.MESSENGER
    affected: int = 1
    """How many residents it affects: its author and those who joined it («the same problem»)."""


@dataclass(frozen=True)
class RequestPage:
    rows: list[RequestRow]
    total: int
    page: int
    per_page: int
    total_exact: bool = True
    """False when there are more than ``total`` rows (the count stopped there)."""

    @property
    def pages(self) -> int:
        """The pages known to exist, plus one beyond them when the count stopped early."""
        return max(1, -(-self.total // self.per_page)) + (0 if self.total_exact else 1)


@dataclass(frozen=True)
class AttachmentView:
    id: int
    kind: AttachmentKind
    file_ref: str
    channel: Channel


@dataclass(frozen=True)
class ScanView:
    id: int
    name: str
    mime_type: str
    size: int


@dataclass(frozen=True)
class EventView:
    at: datetime
    kind: RequestEventKind
    label: str
    actor: str
    text: str | None
    internal: bool
    linked: tuple[int, str] | None = None
    """The other request of a merge: (id, ticket)."""


@dataclass(frozen=True)
class RequestDetail:
    row: RequestRow
    description: str
    resident_name: str
    resident_phone: str | None
    channel: Channel | None
    language: Language
    latitude: float | None
    longitude: float | None
    map_url: str | None
    address_text: str | None
    attachments: list[AttachmentView]
    events: list[EventView]
    allowed: set[StaffAction]
    rating: int | None
    responsible_body: str | None
    department_id: int | None
    source: RequestSource = RequestSource.MESSENGER
    received_at: datetime | None = None
    registered_late: bool = False
    signatories: int | None = None
    answered_at: datetime | None = None
    answer_form: AnswerForm | None = None
    scans: list[ScanView] = field(default_factory=list)


@dataclass(frozen=True)
class Choices:
    statuses: list[tuple[str, str]] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)
    departments: list[tuple[int, str]] = field(default_factory=list)
    quarters: list[tuple[int, str]] = field(default_factory=list)
    responsible_bodies: list[tuple[int, str]] = field(default_factory=list)
    reply_templates: list[tuple[int, str, str]] = field(default_factory=list)
    """(id, title, text in the actor's language)"""


def local_day_start(day: date, actor_tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=actor_tz)


def searched_text(filters: RequestFilters) -> str:
    return (filters.text or "").strip()[:MAX_SEARCH_CHARS].casefold()


def scans_text(filters: RequestFilters) -> bool:
    """A search in the descriptions (storage/text_search.py), not for a whole ticket number."""
    text = searched_text(filters)
    return bool(text) and not WHOLE_TICKET.fullmatch(text)


def filtered(actor: Actor, filters: RequestFilters, now: datetime, tz, *,
             with_text: bool = True) -> sa.ColumnElement[bool]:
    conditions = [visible(actor)]
    if filters.status is not None:
        conditions.append(Request.status == filters.status)
    if filters.category_id is not None:
        conditions.append(Request.category_id == filters.category_id)
    if filters.department_id is not None:
        conditions.append(Request.department_id == filters.department_id)
    if filters.quarter_id is not None:
        conditions.append(Request.quarter_id == filters.quarter_id)
    if filters.source is not None:
        conditions.append(Request.source == filters.source)
    if filters.overdue:
        conditions += [Request.status.in_(OPEN_STATUSES), Request.due_at <= now]
    if filters.created_from is not None:
        conditions.append(Request.created_at >= local_day_start(filters.created_from, tz))
    if filters.created_to is not None:
        conditions.append(Request.created_at < local_day_start(filters.created_to + timedelta(days=1), tz))
    text = searched_text(filters)
    if WHOLE_TICKET.fullmatch(text):
        conditions.append(Request.ticket == text.upper())
    elif text and with_text:
        conditions.append(SearchTextContains(Request.search_text, Request.id, text))
    return sa.and_(*conditions)


def order_of(filters: RequestFilters) -> list:
    return [affected_count_column().desc(), *NEWEST_FIRST] if filters.most_affected else list(NEWEST_FIRST)


def row_query():
    assignee = aliased(Person)
    return (sa.select(Request, Category.name_ky, Category.name_ru, Quarter.name_ky, Quarter.name_ru,
                      Village.name_ky, Village.name_ru, Department.name_ky, Department.name_ru, assignee.display_name,
                      affected_count_column())
            .join(Category, Category.id == Request.category_id)
            .outerjoin(Quarter, Quarter.id == Request.quarter_id)
            .outerjoin(Village, Village.id == Quarter.village_id)
            .outerjoin(Department, Department.id == Request.department_id)
            .outerjoin(assignee, assignee.id == Request.assignee_person_id))


def to_row(record, language: Language, now: datetime) -> RequestRow:
    request, cat_ky, cat_ru, q_ky, q_ru, v_ky, v_ru, d_ky, d_ru, assignee, affected = record
    return RequestRow(
        id=request.id, ticket=request.ticket, created_at=request.created_at,
        category=pick(language, cat_ky, cat_ru),
        quarter=place_label(pick(language, v_ky, v_ru), pick(language, q_ky, q_ru)),
        department=pick(language, d_ky, d_ru) if d_ky else "—", status=request.status,
        status_label=status_label(request.status, language), due_date=request.due_date,
        overdue=request.status in OPEN_STATUSES and request.due_at <= now,
        preview=shorten(request.description, 140), assignee=assignee or "", source=request.source,
        affected=affected)


async def request_page(session: AsyncSession, actor: Actor, filters: RequestFilters, page: int, per_page: int,
                       now: datetime, tz) -> RequestPage:
    page = max(1, page)
    offset = (page - 1) * per_page
    condition: sa.ColumnElement[bool]
    if scans_text(filters):  # one search, not two: the ids found give both the count and the page
        enough = max(TEXT_COUNTED, page * per_page) + 1
        ids = await newest_matches(session, filtered(actor, filters, now, tz, with_text=False),
                                   searched_text(filters), enough)
        counted, condition, offset = len(ids), Request.id.in_(ids[offset:offset + per_page]), 0
    else:
        condition, enough = filtered(actor, filters, now, tz), max(TOTAL_COUNTED, page * per_page) + 1
        counted = await session.scalar(sa.select(sa.func.count()).select_from(
            sa.select(Request.id).where(condition).limit(enough).subquery())) or 0
    records = (await session.execute(
        row_query().where(condition).order_by(*order_of(filters)).limit(per_page).offset(offset))).all()
    return RequestPage([to_row(r, actor.language, now) for r in records], min(counted, enough - 1), page, per_page,
                       total_exact=counted < enough)


async def export_rows(session: AsyncSession, actor: Actor, filters: RequestFilters, now: datetime,
                      tz) -> list[RequestRow]:
    records = (await session.execute(
        row_query().where(filtered(actor, filters, now, tz)).order_by(*order_of(filters))
        .limit(MAX_EXPORT_ROWS))).all()
    return [to_row(r, actor.language, now) for r in records]


async def visible_request(session: AsyncSession, actor: Actor, request_id: int, *,
                          lock: bool = False) -> Request | None:
    query = sa.select(Request).where(Request.id == request_id, visible(actor))
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


def _linked(event: RequestEvent) -> tuple[int, str] | None:
    """The other request of a merge event (it went into it, or came from it)."""
    if event.kind in (RequestEventKind.MERGED, RequestEventKind.MERGED_IN) and event.detail:
        return int(event.detail["id"]), str(event.detail["ticket"])
    return None


async def request_detail(session: AsyncSession, actor: Actor, request: Request, allowed: set[StaffAction],
                         now: datetime) -> RequestDetail:
    language = actor.language
    record = (await session.execute(row_query().where(Request.id == request.id))).one()
    resident = await session.get(Person, request.person_id)
    body = await session.get(ResponsibleBody, request.responsible_body_id) if request.responsible_body_id else None
    people = aliased(Person)
    events = (await session.execute(
        sa.select(RequestEvent, people.display_name).outerjoin(people, people.id == RequestEvent.actor_person_id)
        .where(RequestEvent.request_id == request.id).order_by(RequestEvent.id))).all()
    attachments = (await session.scalars(sa.select(RequestAttachment).where(
        RequestAttachment.request_id == request.id).order_by(RequestAttachment.id))).all()
    scans = (await session.execute(sa.select(RequestScan.id, RequestScan.file_name, RequestScan.mime_type,
                                             RequestScan.size).where(RequestScan.request_id == request.id)
                                   .order_by(RequestScan.id))).all()
    has_place = request.latitude is not None and request.longitude is not None
    return RequestDetail(
        row=to_row(record, language, now), description=request.description,
        resident_name=(resident.display_name if resident else None) or "—",
        resident_phone=resident.phone if resident else None, channel=request.channel, language=request.language,
        latitude=request.latitude, longitude=request.longitude,
        map_url=(f"https://www.openstreetmap.org/?mlat={request.latitude}&mlon={request.longitude}#map=17/"
                 f"{request.latitude}/{request.longitude}") if has_place else None,
        address_text=request.address_text,
        attachments=[AttachmentView(a.id, a.kind, a.file_ref, a.channel) for a in attachments],
        events=[EventView(e.at, e.kind, gettext(language, EVENT_LABELS[e.kind]), name or "", e.text,
                          e.kind == RequestEventKind.NOTE, _linked(e)) for e, name in events],
        allowed=allowed, rating=request.rating,
        responsible_body=pick(language, body.name_ky, body.name_ru) if body else None,
        department_id=request.department_id, source=request.source, received_at=request.received_at,
        registered_late=request.registered_late, signatories=request.signatories, answered_at=request.answered_at,
        answer_form=request.answer_form, scans=[ScanView(*scan) for scan in scans])


async def choices(session: AsyncSession, actor: Actor) -> Choices:
    language, municipality = actor.language, actor.municipality_id

    async def named(model, *order) -> list[tuple[int, str]]:
        rows = (await session.scalars(sa.select(model).where(model.municipality_id == municipality)
                                      .order_by(*order, model.id))).all()
        return [(r.id, pick(language, r.name_ky, r.name_ru)) for r in rows]

    templates = (await session.scalars(sa.select(ReplyTemplate).where(ReplyTemplate.municipality_id == municipality)
                                       .order_by(ReplyTemplate.title))).all()
    return Choices(
        statuses=[(s.value, status_label(s, language)) for s in RequestStatus],
        categories=await named(Category, Category.sort),
        departments=await named(Department, Department.name_ru),
        quarters=await quarter_choices(session, municipality, language),
        responsible_bodies=await named(ResponsibleBody, ResponsibleBody.sort),
        reply_templates=[(t.id, pick(language, t.title, t.title_ru or t.title), pick(language, t.text_ky, t.text_ru))
                         for t in templates],
    )
