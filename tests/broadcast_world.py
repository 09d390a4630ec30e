"""People for the announcement tests: many residents written straight to the database, and
staff who talk to the core through the harness (or hold an address on a Telegram bot)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from storage.db import Database
from storage.enums import Channel, Language, Role
from storage.models import ChannelIdentity, Conversation, Municipality, Person, Quarter, RoleGrant

START = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)  # 12:00 in Bishkek, outside quiet hours


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def demo_quarters(db: Database) -> list[int]:
    """The demo municipality's quarter ids, in order (Alamüdün's 12, then Kara-Jygach's 3)."""
    async with db.reader() as session:
        return list((await session.scalars(sa.select(Quarter.id).order_by(Quarter.village_id, Quarter.sort))).all())


async def demo_municipality_id(db: Database) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(Municipality.id).where(Municipality.code == "ALM"))


async def add_residents(db: Database, quarter_ids: list[int], count: int, *, address: str,
                        language: Language = Language.RU, now: datetime = START) -> list[int]:
    """``count`` consenting residents spread over the quarters, each with one identity at
    ``address.format(i)`` (e.g. ``telegram:123:{}``) and a settled dialog; returns person ids."""
    municipality_id = await demo_municipality_id(db)
    channel = Channel(address.split(":")[0])
    async with db.transaction() as session:
        people = (await session.execute(sa.insert(Person).returning(Person.id, sort_by_parameter_order=True), [
            {"municipality_id": municipality_id, "quarter_id": quarter_ids[i % len(quarter_ids)],
             "language": language, "consent_at": now - timedelta(days=1), "consent_version": "2026-11",
             "created_at": now} for i in range(count)])).scalars().all()
        identities = (await session.execute(
            sa.insert(ChannelIdentity).returning(ChannelIdentity.id, sort_by_parameter_order=True), [
                {"address": address.format(i), "channel": channel, "person_id": person_id,
                 "last_inbound_at": now - timedelta(hours=1), "created_at": now}
                for i, person_id in enumerate(people)])).scalars().all()
        await session.execute(sa.insert(Conversation), [
            {"identity_id": identity_id, "language": language, "flow": "menu", "step": "main", "data": {},
             "options": [], "nonce": 5, "updated_at": now} for identity_id in identities])
    return list(people)


async def grant(db: Database, person_id: int, role: Role, quarter_id: int | None = None) -> None:
    async with db.transaction() as session:
        person = await session.get(Person, person_id)
        session.add(RoleGrant(person_id=person_id, municipality_id=person.municipality_id, role=role,
                              quarter_id=quarter_id))


async def person_of(db: Database, address: str) -> Person:
    async with db.reader() as session:
        return (await session.execute(sa.select(Person).join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                                      .where(ChannelIdentity.address == address))).scalar_one()
