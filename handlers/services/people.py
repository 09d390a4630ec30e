"""People: what is kept about a person, and erasing it on request."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import get_referenced
from storage.enums import MembershipStatus
from storage.models import (
    Base,
    ChannelIdentity,
    GroupMember,
    InboundMessage,
    ParticipantProfile,
    Person,
    Quarter,
    Request,
    Village,
)


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
        quarter = await get_referenced(session, Quarter, person.quarter_id)
        village = await get_referenced(session, Village, quarter.village_id)
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
    await session.execute(sa.delete(ParticipantProfile).where(ParticipantProfile.person_id == person.id))
    await session.execute(sa.update(GroupMember).where(
        GroupMember.person_id == person.id, GroupMember.status.in_([MembershipStatus.PENDING, MembershipStatus.MEMBER]))
        .values(status=MembershipStatus.LEFT, decided_at=now))
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


def _unique_sets(table: sa.Table, column: sa.Column) -> list[list[sa.Column]]:
    """The other columns of each unique key (constraint, primary key, unique index) the column is in."""
    keys = [list(c.columns) for c in table.constraints if isinstance(c, (sa.UniqueConstraint, sa.PrimaryKeyConstraint))]
    keys += [list(i.columns) for i in table.indexes if i.unique]
    keys += [[c] for c in table.columns if c.unique]
    return [[c for c in key if c is not column] for key in keys if column in key]


async def _do_move_rows(session: AsyncSession, from_id: int, to_id: int) -> None:
    """Points every row that refers to ``from_id`` at ``to_id``, in every table (so tables added
    later are covered). A row the kept person already has an equal of stays behind and goes
    with the removed person (or is deleted here where nothing would delete it)."""
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != Person.__tablename__ or table.name == Person.__tablename__:
                continue
            column = fk.parent
            move = sa.update(table).where(column == from_id).values({column.name: to_id})
            clashing = []
            for others in _unique_sets(table, column):
                kept = table.alias()
                clashing.append(sa.exists(sa.select(kept.c[column.name]).where(
                    kept.c[column.name] == to_id, *[kept.c[c.name].is_not_distinct_from(c) for c in others])))
            await session.execute(move.where(*[~clash for clash in clashing]))
            if clashing and fk.ondelete is None:
                await session.execute(sa.delete(table).where(column == from_id))


async def do_merge_person(session: AsyncSession, *, removed: Person, kept: Person) -> None:
    """Joins one record into another (its identities, requests, roles…) and removes it."""
    await _do_move_rows(session, removed.id, kept.id)
    await session.flush()
    await session.delete(removed)


async def do_link_phone(session: AsyncSession, person: Person, phone: str | None) -> Person:
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
    await _do_move_rows(session, person.id, other.id)
    if other.quarter_id is None:
        other.municipality_id, other.quarter_id = person.municipality_id, person.quarter_id
    other.consent_at = other.consent_at or person.consent_at
    other.consent_version = other.consent_version or person.consent_version
    await session.flush()
    await session.delete(person)
    return other
