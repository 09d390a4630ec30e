"""The register of appeals as Law No. 67 asks for it, per period: registration number and date,
applicant, how the appeal arrived, short content, executor, deadline, extension, date and form of
the answer, outcome. Messenger requests and appeals registered in the office side by side; what a
staff member may see is what the request list shows them (``access.visible``)."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from handlers.i18n import pick
from handlers.services.places import place_label
from handlers.services.requests import shorten, status_label
from handlers.staff.access import Actor, visible
from handlers.staff.views import local_day_start
from storage.enums import AnswerForm, RequestEventKind, RequestSource, RequestStatus
from storage.models import Department, Person, Quarter, Request, RequestEvent, Village

MAX_JOURNAL_ROWS = 100_000
CONTENT_CHARS = 200


@dataclass(frozen=True)
class JournalFilters:
    date_from: date
    date_to: date
    source: RequestSource | None = None


@dataclass(frozen=True)
class JournalRow:
    id: int
    ticket: str
    registered_at: datetime
    received_at: datetime
    registered_late: bool
    applicant: str
    address: str
    source: RequestSource
    signatories: int | None
    content: str
    executor: str
    due_date: date
    """The deadline as first set (before any extension)."""
    extended_to: date | None
    answered_at: datetime | None
    answer_form: AnswerForm | None
    status: RequestStatus
    outcome: str


def _in_period(actor: Actor, filters: JournalFilters, tz) -> sa.ColumnElement[bool]:
    conditions = [visible(actor), Request.created_at >= local_day_start(filters.date_from, tz),
                  Request.created_at < local_day_start(filters.date_to + timedelta(days=1), tz)]
    if filters.source is not None:
        conditions.append(Request.source == filters.source)
    return sa.and_(*conditions)


async def journal_rows(session: AsyncSession, actor: Actor, filters: JournalFilters, tz) -> list[JournalRow]:
    language = actor.language
    applicant, assignee = aliased(Person), aliased(Person)
    records = (await session.execute(
        sa.select(Request, applicant.display_name, Quarter.name_ky, Quarter.name_ru, Village.name_ky,
                  Village.name_ru, Department.name_ky, Department.name_ru, assignee.display_name)
        .join(applicant, applicant.id == Request.person_id)
        .outerjoin(Quarter, Quarter.id == Request.quarter_id).outerjoin(Village, Village.id == Quarter.village_id)
        .outerjoin(Department, Department.id == Request.department_id)
        .outerjoin(assignee, assignee.id == Request.assignee_person_id)
        .where(_in_period(actor, filters, tz)).order_by(Request.created_at, Request.id)
        .limit(MAX_JOURNAL_ROWS))).all()
    first_due = await _deadlines_before_extension(session, [r[0].id for r in records if r[0].extensions])
    rows = []
    for request, name, q_ky, q_ru, v_ky, v_ru, d_ky, d_ru, taken_by in records:
        executor = ", ".join(part for part in (pick(language, d_ky, d_ru) if d_ky else "", taken_by or "") if part)
        extended = request.id in first_due
        address = place_label(pick(language, v_ky, v_ru), pick(language, q_ky, q_ru)) if q_ky else ""
        rows.append(JournalRow(
            id=request.id, ticket=request.ticket, registered_at=request.created_at,
            received_at=request.received_at or request.created_at, registered_late=request.registered_late,
            applicant=name or "—", address=address,
            source=request.source, signatories=request.signatories,
            content=shorten(" ".join(request.description.split()), CONTENT_CHARS), executor=executor or "—",
            due_date=first_due.get(request.id, request.due_date), extended_to=request.due_date if extended else None,
            answered_at=request.answered_at,
            answer_form=request.answer_form or (AnswerForm.MESSENGER if request.answered_at else None),
            status=request.status, outcome=status_label(request.status, language)))
    return rows


async def _deadlines_before_extension(session: AsyncSession, request_ids: list[int]) -> dict[int, date]:
    if not request_ids:
        return {}
    events = (await session.execute(sa.select(RequestEvent.request_id, RequestEvent.detail).where(
        RequestEvent.request_id.in_(request_ids), RequestEvent.kind == RequestEventKind.EXTENDED)
        .order_by(RequestEvent.id))).all()
    first: dict[int, date] = {}
    for request_id, detail in events:
        if request_id not in first and detail and detail.get("from"):
            first[request_id] = date.fromisoformat(detail["from"])
    return first
