"""People: what is kept about a person, and erasing it on request."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (AuditEntry, Broadcast, BroadcastMute, BroadcastRecipient, ChannelIdentity, InboundMessage,
                            Person, Quarter, Request, RequestEvent, RoleGrant, Village)


@dataclass(frozen=True)
class PersonalData:
    display_name: str | None
    phone: str | None
    address: tuple[str, str] | None
    """(Kyrgyz, Russian) names of the quarter and village."""
    requests: int
    consent_at: datetime | None


async def personal_data_summary(session: AsyncSession, person: Person) -> PersonalData:
    address = None
    if person.quarter_id is not None:
        quarter = await session.get(Quarter, person.quarter_id)
        village = await session.get(Village, quarter.village_id)
        address = (f"{quarter.name_ky}, {village.name_ky}", f"{quarter.name_ru}, {village.name_ru}")
    count = await session.scalar(sa.select(sa.func.count()).select_from(Request).where(Request.person_id == person.id))
    return PersonalData(person.display_name, person.phone, address, count or 0, person.consent_at)


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


def canonical_phone(phone: str | None) -> str | None:
    """``+996555123456`` for a Kyrgyz number however written; other numbers as ``+`` and digits."""
    if not phone:
        return None
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 9:
        digits = "996" + digits
    elif len(digits) == 10 and digits.startswith("0"):
        digits = "996" + digits[1:]
    return "+" + digits if 8 <= len(digits) <= 15 else None


async def person_by_phone(session: AsyncSession, phone: str | None) -> Person | None:
    phone = canonical_phone(phone)
    if phone is None:
        return None
    return (await session.execute(sa.select(Person).where(Person.phone == phone))).scalar_one_or_none()


async def _do_move_broadcast_answers(session: AsyncSession, from_id: int, to_id: int) -> None:
    """Announcements received and mutes move to the kept person (where they have none of their own)."""
    theirs = sa.select(BroadcastRecipient.broadcast_id).where(BroadcastRecipient.person_id == to_id)
    await session.execute(sa.update(BroadcastRecipient).where(
        BroadcastRecipient.person_id == from_id, BroadcastRecipient.broadcast_id.not_in(theirs))
        .values(person_id=to_id))
    mute = await session.get(BroadcastMute, from_id)
    if mute is not None and await session.get(BroadcastMute, to_id) is None:
        session.add(BroadcastMute(person_id=to_id, muted_at=mute.muted_at))


async def do_link_phone(session: AsyncSession, person: Person, phone: str) -> Person:
    """Records a person's own phone number and returns the person to continue with.

    If someone else already has the number, it is the same resident writing from another
    messenger: their identities, requests and roles are joined into the person who had
    the number first, and the newer record is removed.
    """
    phone = canonical_phone(phone)
    other = await person_by_phone(session, phone)
    if phone is None or other is None or other.id == person.id:
        if phone is not None:
            person.phone = phone
        return person
    for model, column in ((ChannelIdentity, ChannelIdentity.person_id), (Request, Request.person_id),
                          (Request, Request.assignee_person_id), (RoleGrant, RoleGrant.person_id),
                          (RequestEvent, RequestEvent.actor_person_id), (AuditEntry, AuditEntry.actor_person_id),
                          (Broadcast, Broadcast.author_person_id)):
        await session.execute(sa.update(model).where(column == person.id).values({column.key: other.id}))
    await _do_move_broadcast_answers(session, person.id, other.id)
    if other.quarter_id is None:
        other.municipality_id, other.quarter_id = person.municipality_id, person.quarter_id
    other.consent_at = other.consent_at or person.consent_at
    other.consent_version = other.consent_version or person.consent_version
    await session.flush()
    await session.delete(person)
    return other
