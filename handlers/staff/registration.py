"""Appeals that did not come through a messenger: a clerk registers them in the back office
(received at the reception, on paper, by phone or by e-mail), and records an answer given on
paper, by phone or in person. Both go through the request service like a messenger request:
same numbering, routing, deadline, reminders and escalation.

Back-dating: a clerk may give a receipt time up to ``CLERK_BACKDATE`` ago; further back only the
head (or the administrator) may, with a reason, which the history and the audit log keep.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.errors import InvalidInput, NotAllowed
from handlers.i18n import pick
from handlers.services.people import canonical_phone, person_by_phone
from handlers.services.requests import Draft, Origin, do_submit_request
from handlers.staff.access import Actor
from handlers.staff.actions import check_text
from handlers.staff.scans import Scan, check_scans
from storage.db import get_referenced
from storage.enums import OFFICE_SOURCES, AnswerForm, Language, RequestEventKind, RequestSource
from storage.models import Category, Municipality, Person, Quarter, Request, RequestEvent, RequestScan

CLERK_BACKDATE = timedelta(days=3)
"""How far back a clerk may date the receipt of an appeal (a weekend and a holiday)."""
MAX_NAME_CHARS = 200
MAX_SIGNATORIES = 100_000


@dataclass(frozen=True)
class Applicant:
    name: str
    quarter_id: int
    language: Language
    phone: str | None = None


@dataclass(frozen=True)
class PaperAppeal:
    applicant: Applicant
    source: RequestSource
    received_at: datetime
    category_id: int
    text: str
    signatories: int | None = None
    scans: list[Scan] = field(default_factory=list)
    backdate_reason: str | None = None
    """Required when the receipt is dated further back than a clerk may."""


@dataclass(frozen=True)
class GivenAnswer:
    form: AnswerForm
    given_on: date
    summary: str


def check_received_at(actor: Actor, appeal: PaperAppeal, now: datetime) -> None:
    """Not in the future; further back than a clerk may only for the head, with a reason."""
    if appeal.received_at > now + timedelta(minutes=5):
        raise InvalidInput("the appeal cannot be received in the future")
    if now - appeal.received_at <= CLERK_BACKDATE:
        return
    if not actor.sees_everything:
        raise NotAllowed(f"a clerk may date a receipt at most {CLERK_BACKDATE.days} days back")
    if not (appeal.backdate_reason or "").strip():
        raise InvalidInput("dating a receipt this far back needs a reason")


async def do_find_or_add_applicant(session: AsyncSession, municipality_id: int, applicant: Applicant,
                                   now: datetime) -> Person:
    """The person the phone number belongs to (so they follow it in their messenger), or a new one."""
    name = applicant.name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise InvalidInput("the applicant's name is empty or too long")
    quarter = await session.get(Quarter, applicant.quarter_id)
    if quarter is None or quarter.municipality_id != municipality_id:
        raise InvalidInput("no such quarter in this municipality")
    phone = canonical_phone(applicant.phone) if (applicant.phone or "").strip() else None
    if (applicant.phone or "").strip() and phone is None:
        raise InvalidInput("the phone number cannot be read")
    known = await person_by_phone(session, phone)
    if known is not None and known.municipality_id in (None, municipality_id):
        known.municipality_id = municipality_id
        known.quarter_id = known.quarter_id or quarter.id
        known.display_name = known.display_name or name
        return known
    if known is not None:
        phone = None  # someone of another municipality has the number: keep the appeal apart from them
    person = Person(municipality_id=municipality_id, quarter_id=quarter.id, language=applicant.language,
                    display_name=name, phone=phone, created_at=now)
    session.add(person)
    await session.flush()
    return person


async def do_register_appeal(session: AsyncSession, config: CoreConfig, actor: Actor, appeal: PaperAppeal,
                             now: datetime) -> Request:
    if appeal.source not in OFFICE_SOURCES:
        raise InvalidInput(f"{appeal.source.value} appeals are not registered in the back office")
    if appeal.signatories is not None and not 2 <= appeal.signatories <= MAX_SIGNATORIES:
        raise InvalidInput("a collective appeal has at least two signatories")
    check_received_at(actor, appeal, now)
    check_scans(appeal.scans)
    text = check_text(appeal.text)
    person = await do_find_or_add_applicant(session, actor.municipality_id, appeal.applicant, now)
    origin = Origin(appeal.source, appeal.received_at, actor.person_id, appeal.signatories)
    request = await do_submit_request(session, person=person, channel=None,
                                      draft=Draft(category_id=appeal.category_id, description=text),
                                      language=appeal.applicant.language, now=now, config=config, origin=origin)
    session.add_all([RequestScan(request_id=request.id, file_name=scan.name, mime_type=scan.mime_type,
                                 size=len(scan.data), data=scan.data, uploaded_by_person_id=actor.person_id,
                                 created_at=now) for scan in appeal.scans])
    if now - appeal.received_at > CLERK_BACKDATE:
        session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.NOTE, at=now,
                                 actor_person_id=actor.person_id, text=appeal.backdate_reason,
                                 detail={"backdated_to": appeal.received_at.isoformat()}))
    return request


def answered_moment(given_on: date, now: datetime, config: CoreConfig) -> datetime:
    """Today's answer at this moment; an earlier day's at its noon (Asia/Bishkek)."""
    if given_on >= now.astimezone(config.timezone).date():
        return now
    return datetime.combine(given_on, time(12), tzinfo=config.timezone)


def do_record_answer_given(session: AsyncSession, config: CoreConfig, actor: Actor, request: Request,
                           answer: GivenAnswer, now: datetime) -> None:
    """An answer given outside the messengers: it counts as the answer for the deadline."""
    if answer.form == AnswerForm.MESSENGER:
        raise InvalidInput("an answer in the messenger is sent, not recorded")
    if request.answered_at is not None:
        raise InvalidInput(f"request {request.ticket} has been answered already")
    local_today = now.astimezone(config.timezone).date()
    received = (request.received_at or request.created_at).astimezone(config.timezone).date()
    if not received <= answer.given_on <= local_today:
        raise InvalidInput("the answer's date is before the appeal or in the future")
    summary = check_text(answer.summary)
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.ANSWERED, at=now,
                             actor_person_id=actor.person_id, text=summary,
                             detail={"form": answer.form.value, "given_on": answer.given_on.isoformat()}))
    request.answered_at = answered_moment(answer.given_on, now, config)
    request.answer_form = answer.form
    request.updated_at = now


@dataclass(frozen=True)
class Receipt:
    """What the applicant takes home, in the language of the appeal."""

    ticket: str
    language: Language
    municipality: str
    applicant: str
    category: str
    source: RequestSource
    received_at: datetime
    registered_at: datetime
    due_date: date
    signatories: int | None
    phone: str | None


async def receipt_of(session: AsyncSession, request: Request) -> Receipt:
    language = request.language
    municipality = await get_referenced(session, Municipality, request.municipality_id)
    category = await get_referenced(session, Category, request.category_id)
    applicant = await get_referenced(session, Person, request.person_id)
    return Receipt(ticket=request.ticket, language=language,
                   municipality=pick(language, municipality.name_ky, municipality.name_ru),
                   applicant=applicant.display_name or "—", category=pick(language, category.name_ky, category.name_ru),
                   source=request.source, received_at=request.received_at or request.created_at,
                   registered_at=request.created_at, due_date=request.due_date, signatories=request.signatories,
                   phone=applicant.phone)


async def scan_of(session: AsyncSession, request_id: int, scan_id: int) -> RequestScan | None:
    return (await session.execute(sa.select(RequestScan).where(
        RequestScan.id == scan_id, RequestScan.request_id == request_id))).scalar_one_or_none()

