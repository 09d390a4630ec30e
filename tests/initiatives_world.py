"""Initiative groups and hearings for the tests: groups with their coordinators, municipal staff
as back-office actors, and the rows a test wants to check its figures against."""

from datetime import timedelta

import sqlalchemy as sa

from handlers.initiatives.desk import HearingDesk
from handlers.initiatives.hearings import HearingDraft
from storage.db import Database
from storage.enums import Channel, HearingKind, Language, Role
from storage.models import (
    ChannelIdentity,
    GroupMember,
    Hearing,
    HearingRegistration,
    InitiativeGroup,
    Person,
    Proposal,
    RoleGrant,
)
from tests.broadcast_world import START, demo_municipality_id
from tests.core_config import core_config


async def add_group(db: Database, name_ru: str, coordinator_id: int | None, *, name_ky: str | None = None,
                    purpose: str = "Школьный транспорт и питьевая вода", coordinator_name: str = "Нургүл") -> int:
    """A group of the demo municipality; its coordinator gets the ``coordinator`` role (and a name)."""
    municipality_id = await demo_municipality_id(db)
    async with db.transaction() as session:
        group = InitiativeGroup(municipality_id=municipality_id, name_ky=name_ky or name_ru, name_ru=name_ru,
                                purpose_ky=purpose, purpose_ru=purpose, coordinator_person_id=coordinator_id,
                                created_at=START)
        session.add(group)
        if coordinator_id is not None:
            (await session.get(Person, coordinator_id)).display_name = coordinator_name
            session.add(RoleGrant(person_id=coordinator_id, municipality_id=municipality_id, role=Role.COORDINATOR))
        await session.flush()
        return group.id


async def add_staff_person(db: Database, role: Role, *, name: str = "Бакыт", address: str = "console:staff",
                           quarter_id: int | None = None) -> int:
    municipality_id = await demo_municipality_id(db)
    async with db.transaction() as session:
        person = Person(municipality_id=municipality_id, language=Language.RU, display_name=name, created_at=START,
                        consent_at=START, consent_version="t")
        session.add(person)
        await session.flush()
        session.add(ChannelIdentity(address=address, channel=Channel.CONSOLE, person_id=person.id, created_at=START))
        session.add(RoleGrant(person_id=person.id, municipality_id=municipality_id, role=role, quarter_id=quarter_id))
        return person.id


async def staff_actor(db: Database, desk: HearingDesk, role: Role = Role.HEAD, **kwargs):
    person_id = await add_staff_person(db, role, **kwargs)
    return await desk.actor(person_id, await demo_municipality_id(db), via="web")


def budget_hearing(starts_at=START + timedelta(days=2), **overrides) -> HearingDraft:
    values = dict(kind=HearingKind.BUDGET, title="Бюджет 2027", place="Айыл өкмөтү, чоң зал",
                  agenda="Долбоор бюджета на 2027 год", starts_at=starts_at)
    values.update(overrides)
    return HearingDraft(**values)


def hearing_desk(db: Database, clock) -> HearingDesk:
    return HearingDesk(db, core_config(), clock=clock)


async def rows(db: Database, model, **where) -> list:
    async with db.reader() as session:
        query = sa.select(model).where(*(getattr(model, k) == v for k, v in where.items())).order_by(*model.__table__.primary_key.columns)
        return list((await session.scalars(query)).all())


async def hearing(db: Database, hearing_id: int) -> Hearing:
    async with db.reader() as session:
        return await session.get(Hearing, hearing_id)


__all__ = ["GroupMember", "HearingRegistration", "Proposal", "add_group", "add_staff_person", "budget_hearing",
           "hearing", "hearing_desk", "rows", "staff_actor"]
