"""People: what is kept about a person, and erasing it on request."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ChannelIdentity, InboundMessage, Person, Quarter, Request, Village


@dataclass(frozen=True)
class PersonalData:
    display_name: str | None
    phone: str | None
    address: tuple[str, str] | None
    """(Kyrgyz, Russian) names of the quarter and village."""
    requests: int
    consent_at: str


async def personal_data_summary(session: AsyncSession, person: Person) -> PersonalData:
    address = None
    if person.quarter_id is not None:
        quarter = await session.get(Quarter, person.quarter_id)
        village = await session.get(Village, quarter.village_id)
        address = (f"{quarter.name_ky}, {village.name_ky}", f"{quarter.name_ru}, {village.name_ru}")
    count = await session.scalar(sa.select(sa.func.count()).select_from(Request).where(Request.person_id == person.id))
    consent = person.consent_at.date().isoformat() if person.consent_at else "—"
    return PersonalData(person.display_name, person.phone, address, count or 0, consent)


async def do_erase_person(session: AsyncSession, person: Person, now: datetime) -> None:
    """Removes contacts and address, withdraws consent, unlinks every channel identity.

    Requests are kept (the register of appeals is a legal record) but lose their contact.
    What the person wrote in messages that are not part of a request is removed too.
    """
    identity_ids = (await session.scalars(
        sa.select(ChannelIdentity.id).where(ChannelIdentity.person_id == person.id))).all()
    await session.execute(sa.update(InboundMessage).where(InboundMessage.identity_id.in_(identity_ids))
                          .values(text=None, payload={"erased_at": now.isoformat()}))
    await session.execute(sa.update(ChannelIdentity).where(ChannelIdentity.person_id == person.id)
                          .values(person_id=None))
    person.display_name = None
    person.phone = None
    person.quarter_id = None
    person.consent_at = None
