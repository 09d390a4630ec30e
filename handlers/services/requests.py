"""Residents' requests: submitting, changing status, answering, and telling the resident."""

import copy
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol, TypedDict

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.config import CoreConfig
from handlers.envelope import Reply, Template
from handlers.errors import ConfigurationError, InvalidInput, NotFound
from handlers.i18n import N_, gettext, pick
from handlers.services import identities, places
from handlers.services.answerers import answerer_label
from handlers.services.deadlines import DeadlineRule, due_date, end_of_day
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from handlers.services.routing import responsible_department_id
from handlers.services.same_problem import do_tell_followers
from handlers.services.tickets import do_take_ticket_number
from storage.db import get_referenced
from storage.enums import AttachmentKind, Channel, Language, RequestEventKind, RequestSource, RequestStatus, Role
from storage.models import Category, Holiday, Municipality, Person, Request, RequestAttachment, RequestEvent, RoleGrant

STATUS_LABELS = {
    RequestStatus.RECEIVED: N_("Received"),
    RequestStatus.IN_REVIEW: N_("Under review"),
    RequestStatus.RESOLVED: N_("Resolved"),
    RequestStatus.REJECTED: N_("Rejected"),
    RequestStatus.MERGED: N_("Merged into another request"),
}


NEXT_STATUSES: dict[RequestStatus, tuple[RequestStatus, ...]] = {
    RequestStatus.RECEIVED: (RequestStatus.IN_REVIEW, RequestStatus.RESOLVED, RequestStatus.REJECTED),
    RequestStatus.IN_REVIEW: (RequestStatus.RESOLVED, RequestStatus.REJECTED),
    RequestStatus.RESOLVED: (RequestStatus.IN_REVIEW,),  # reopened: only a resolved request
    RequestStatus.REJECTED: (),
    RequestStatus.MERGED: (),  # its residents follow the request it was merged into
}
"""Where a request's status may go: forward through the process; back only to reopen a resolved one."""


class StatusRefused(InvalidInput):
    """A change the process does not allow: a ``current`` request cannot become ``wanted`` (``None``: the
    request is closed and the action needs an open one)."""

    def __init__(self, message: str, current: RequestStatus, wanted: RequestStatus | None) -> None:
        super().__init__(message)
        self.current, self.wanted = current, wanted


def check_status_change(request: Request, status: RequestStatus) -> None:
    if status == request.status:
        raise StatusRefused(f"the request is already {status.value}", request.status, status)
    if status not in NEXT_STATUSES[request.status]:
        allowed = ", ".join(s.value for s in NEXT_STATUSES[request.status]) or "none: it is closed"
        raise StatusRefused(f"a {request.status.value} request cannot become {status.value} (allowed: {allowed})",
                            request.status, status)


def status_label(status: RequestStatus, language: Language) -> str:
    return gettext(language, STATUS_LABELS[status])


class DraftAttachment(TypedDict):
    kind: str
    """An ``AttachmentKind`` value."""
    ref: str
    mime_type: str | None


@dataclass
class Draft:
    """What a resident has told us so far about a request (kept in the conversation)."""

    category_id: int | None = None
    description: str = ""
    attachments: list[DraftAttachment] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    address_text: str | None = None

    @classmethod
    def load(cls, data: dict[str, Any]) -> "Draft":
        # A deep copy: mutating the loaded JSON in place would hide the change from the ORM.
        return cls(**copy.deepcopy(data.get("draft", {})))

    def save(self, data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "draft": copy.deepcopy(self.__dict__)}

    def count(self, kind: AttachmentKind) -> int:
        return sum(1 for a in self.attachments if a["kind"] == kind)


@dataclass(frozen=True)
class Origin:
    """How an appeal arrived when the applicant did not write it in a messenger themselves:
    registered by a clerk in the back office, or submitted by a kvartalkom head for a neighbour."""

    source: RequestSource
    received_at: datetime
    """When it reached the municipality: the term to answer counts from this day."""
    registered_by_person_id: int
    signatories: int | None = None
    """A collective appeal: how many people signed it."""


REGISTRATION_TERM = DeadlineRule.working(1)
"""Law No. 67: an appeal is registered within one working day of its receipt."""


async def holidays_between(session: AsyncSession, start: date, days: int) -> set[date]:
    query = sa.select(Holiday.day).where(Holiday.day.between(start, start + timedelta(days=days)))
    return set((await session.scalars(query)).all())


async def do_submit_request(session: AsyncSession, *, person: Person, channel: Channel | None, draft: Draft,
                            language: Language, now: datetime, config: CoreConfig,
                            origin: Origin | None = None) -> Request:
    """Numbers, routes and dates a request (the one way in for every appeal, whoever registers it)."""
    if person.municipality_id is None:
        raise ConfigurationError("the person has no municipality")
    municipality = await get_referenced(session, Municipality, person.municipality_id)
    category = await places.category_in(session, municipality.id, draft.category_id or 0)
    if category is None:
        raise InvalidInput("the chosen category is not offered any more")
    local_today = now.astimezone(config.timezone).date()
    rule = DeadlineRule.parse(municipality.deadline_rule) if municipality.deadline_rule else config.deadline_rule
    received_on = (origin.received_at if origin else now).astimezone(config.timezone).date()
    holidays = await holidays_between(session, received_on, (local_today - received_on).days + rule.days * 3 + 30)
    due = due_date(received_on, rule, holidays)
    late = origin is not None and now >= end_of_day(due_date(received_on, REGISTRATION_TERM, holidays),
                                                    config.timezone)
    department_id = await responsible_department_id(session, category, person.quarter_id)
    request = Request(
        municipality_id=municipality.id,
        ticket=await do_take_ticket_number(session, municipality, local_today.year),
        person_id=person.id, category_id=category.id, quarter_id=person.quarter_id,
        department_id=department_id, channel=channel, language=language,
        description=draft.description, latitude=draft.latitude, longitude=draft.longitude,
        address_text=draft.address_text, status=RequestStatus.RECEIVED,
        created_at=now, updated_at=now, due_date=due, due_at=end_of_day(due, config.timezone),
        source=origin.source if origin else RequestSource.MESSENGER, received_at=origin.received_at if origin else None,
        registered_by_person_id=origin.registered_by_person_id if origin else None, registered_late=late,
        signatories=origin.signatories if origin else None,
    )
    request.index_for_search()
    session.add(request)
    await session.flush()
    if draft.attachments and channel is None:
        raise InvalidInput("a messenger's files need the messenger they came through")
    session.add_all([
        RequestAttachment(request_id=request.id, kind=AttachmentKind(a["kind"]), channel=channel,
                          file_ref=a["ref"], mime_type=a.get("mime_type"), created_at=now)
        for a in draft.attachments
    ])
    detail = None if origin is None else {"source": origin.source.value, "received_at": origin.received_at.isoformat(),
                                          "late": late}
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.CREATED, at=now,
                             actor_person_id=origin.registered_by_person_id if origin else person.id,
                             status_to=RequestStatus.RECEIVED, detail=detail))
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.ROUTED, at=now,
                             department_id=department_id))
    if municipality.copy_quarter_head and person.quarter_id is not None:
        await _do_copy_quarter_heads(session, request, category, now)
    return request


async def _do_copy_quarter_heads(session: AsyncSession, request: Request, category: Category, now: datetime) -> None:
    query = sa.select(RoleGrant).where(
        RoleGrant.municipality_id == request.municipality_id, RoleGrant.role == Role.KVARTALKOM,
        RoleGrant.quarter_id == request.quarter_id).options(selectinload(RoleGrant.person))
    for grant in (await session.scalars(query)).all():
        identity = await identities.reachable_identity(session, grant.person_id)
        if identity is None or grant.person_id in (request.person_id, request.registered_by_person_id):
            continue
        language = grant.person.language
        text = gettext(language, "A new request in your quarter: {ticket}, {category}.\n{description}",
                       ticket=request.ticket, category=pick(language, category.name_ky, category.name_ru),
                       description=shorten(request.description, 500))
        template = Template("quarter_request", {"1": request.ticket, "2": shorten(request.description, 300)})
        do_enqueue(session, identity, Reply(text, language=language, template=template), now,
                   priority=PRIORITY_NOTIFICATION)
        session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.QUARTER_HEAD_COPIED, at=now,
                                 actor_person_id=grant.person_id))


async def request_by_ticket(session: AsyncSession, municipality_id: int, ticket: str) -> Request:
    query = (sa.select(Request)
             .where(Request.municipality_id == municipality_id, Request.ticket == ticket.strip().upper())
             .options(selectinload(Request.events), selectinload(Request.attachments)))
    request = (await session.execute(query)).scalar_one_or_none()
    if request is None:
        raise NotFound(f"no request {ticket} in this municipality")
    return request


async def requests_of(session: AsyncSession, person_id: int, limit: int = 10) -> list[Request]:
    query = (sa.select(Request).where(Request.person_id == person_id)
             .order_by(Request.created_at.desc(), Request.id.desc()).limit(limit))
    return list((await session.scalars(query)).all())


async def last_place(session: AsyncSession, person_id: int) -> Request | None:
    """The person's latest request that says where (a pin or an address): offered as «the same place»."""
    query = (sa.select(Request).where(Request.person_id == person_id,
                                      sa.or_(Request.address_text.is_not(None), Request.latitude.is_not(None)))
             .order_by(Request.created_at.desc(), Request.id.desc()).limit(1))
    return (await session.scalars(query)).first()


async def request_of(session: AsyncSession, person_id: int, request_id: int) -> Request | None:
    """A request of this person, with its history; ``None`` for anyone else's."""
    query = (sa.select(Request).where(Request.id == request_id, Request.person_id == person_id)
             .options(selectinload(Request.events), selectinload(Request.attachments)))
    return (await session.execute(query)).scalar_one_or_none()


async def do_change_request_status(session: AsyncSession, request: Request, status: RequestStatus, *,
                                   actor_person_id: int | None, note: str | None, now: datetime) -> None:
    check_status_change(request, status)
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.STATUS_CHANGED, at=now,
                             actor_person_id=actor_person_id, status_from=request.status, status_to=status,
                             text=note))
    request.status = status
    request.updated_at = now
    language = request.language
    text = gettext(language, "Your request {ticket}: the status is now «{status}».",
                   ticket=request.ticket, status=status_label(status, language))
    if note:
        text += "\n" + note
    template = Template("request_status", {"1": request.ticket, "2": status_label(status, language)})
    await do_tell_resident(session, request, text, now, template)

    def to_follower(language: Language) -> str:
        told = gettext(language, "The request {ticket} you joined: the status is now «{status}».",
                       ticket=request.ticket, status=status_label(status, language))
        return told + ("\n" + note if note else "")

    await do_tell_followers(session, request, to_follower, now, template)


async def do_answer_request(session: AsyncSession, request: Request, answer: str, *,
                            actor_person_id: int | None, now: datetime) -> None:
    if not answer.strip():
        raise InvalidInput("an answer cannot be empty")
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.ANSWERED, at=now,
                             actor_person_id=actor_person_id, text=answer.strip()))
    request.updated_at = now
    text = gettext(request.language, "The answer to your request {ticket}:", ticket=request.ticket)
    template = Template("request_answer", {"1": request.ticket, "2": shorten(answer.strip(), 900)})
    who = await answerer_label(session, actor_person_id, request.municipality_id, request.department_id,
                               request.language)
    signed = f"\n— {who}" if who else ""
    await do_tell_resident(session, request, f"{text}\n{answer.strip()}{signed}", now, template)
    await do_tell_followers(session, request, lambda language: gettext(
        language, "The answer to the request {ticket} you joined:", ticket=request.ticket) + "\n" + answer.strip(),
        now, template)


class Asked(Protocol):
    """Something a resident asked for (a request, a legal question): whom to tell, in which language."""

    @property
    def person_id(self) -> int: ...

    @property
    def language(self) -> Language: ...


async def do_tell_resident(session: AsyncSession, request: Asked, text: str, now: datetime,
                            template: Template) -> None:
    """Tells the resident in the messenger they last wrote from; a request a kvartalkom head
    submitted for a neighbour is told to the head too, marked «for <name>», to pass on."""
    identity = await identities.reachable_identity(session, request.person_id)
    if identity is not None:
        reply = Reply(text, language=request.language, template=template)
        do_enqueue(session, identity, reply, now, priority=PRIORITY_NOTIFICATION)
    if isinstance(request, Request) and request.source == RequestSource.KVARTALKOM:
        await _do_tell_submitter(session, request, text, now, template)


async def _do_tell_submitter(session: AsyncSession, request: Request, text: str, now: datetime,
                             template: Template) -> None:
    head_id = request.registered_by_person_id
    identity = await identities.reachable_identity(session, head_id) if head_id else None
    if identity is None or head_id == request.person_id:
        return
    head = await get_referenced(session, Person, head_id)
    neighbour = await get_referenced(session, Person, request.person_id)
    name = neighbour.display_name or gettext(head.language, "your neighbour")
    marked = gettext(head.language, "For {name} (you submitted it for them):", name=name) + "\n" + text
    do_enqueue(session, identity, Reply(marked, language=head.language, template=template), now,
               priority=PRIORITY_NOTIFICATION)


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
