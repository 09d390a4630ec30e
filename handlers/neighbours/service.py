"""Submitting for a neighbour: only in a quarter the head heads; the neighbour is a person like any
other (found by phone if they have one, erasable on request); the request goes through the one
request service, marked as the kvartalkom's, so the head is told every update «for <name>»."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.errors import NotAllowed
from handlers.services.requests import Draft, Origin, do_submit_request
from handlers.staff.cards import do_post_card
from handlers.staff.registration import Applicant, do_find_or_add_applicant
from storage.enums import Channel, Language, RequestEventKind, RequestSource, Role
from storage.models import Person, Quarter, Request, RequestEvent, RoleGrant

CONSENT_NOTE = "The neighbour's consent was confirmed by the kvartalkom head who submitted it."


@dataclass(frozen=True)
class ForNeighbour:
    name: str
    quarter_id: int
    phone: str | None
    language: Language
    draft: Draft


async def quarters_headed(session: AsyncSession, person_id: int) -> list[Quarter]:
    """The quarters whose kvartalkom the person heads."""
    query = (sa.select(Quarter).join(RoleGrant, RoleGrant.quarter_id == Quarter.id)
             .where(RoleGrant.person_id == person_id, RoleGrant.role == Role.KVARTALKOM)
             .order_by(Quarter.village_id, Quarter.sort, Quarter.id).distinct())
    return list((await session.scalars(query)).all())


async def quarter_named(session: AsyncSession, municipality_id: int, typed: str) -> Quarter | None:
    """The quarter of the municipality whose Kyrgyz or Russian name is ``typed`` (case ignored)."""
    wanted = typed.strip().casefold()
    quarters = (await session.scalars(sa.select(Quarter).where(Quarter.municipality_id == municipality_id))).all()
    return next((q for q in quarters if wanted in (q.name_ky.casefold(), q.name_ru.casefold())), None)


async def do_submit_for_neighbour(session: AsyncSession, config: CoreConfig, head: Person, channel: Channel,
                                  appeal: ForNeighbour, now: datetime) -> Request:
    quarter = next((q for q in await quarters_headed(session, head.id) if q.id == appeal.quarter_id), None)
    if quarter is None:
        raise NotAllowed(f"person {head.id} heads no kvartalkom of quarter {appeal.quarter_id}")
    applicant = Applicant(appeal.name, quarter.id, appeal.language, appeal.phone)
    neighbour = await do_find_or_add_applicant(session, quarter.municipality_id, applicant, now)
    origin = Origin(RequestSource.KVARTALKOM, now, head.id)
    request = await do_submit_request(session, person=neighbour, channel=channel, draft=appeal.draft,
                                      language=appeal.language, now=now, config=config, origin=origin)
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.NOTE, at=now, actor_person_id=head.id,
                             text=CONSENT_NOTE, detail={"neighbour_consent": "confirmed_by_kvartalkom_head"}))
    await do_post_card(session, request, now)
    return request
