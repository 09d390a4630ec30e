"""One resident writing from two messengers: sharing the phone number joins the two records,
and nothing that belonged to the newer one is lost (requests, roles, mutes, actions)."""

import sqlalchemy as sa

from handlers.services.people import do_erase_person, do_link_phone
from handlers.services.setup import municipality_by_code
from storage.enums import Language, MembershipStatus, Role
from storage.models import (
    AuditEntry,
    BroadcastMute,
    GroupMember,
    InitiativeGroup,
    ParticipantProfile,
    Person,
    RoleGrant,
)
from storage.types import utcnow


async def test_the_newer_record_is_joined_into_the_one_that_had_the_number(db):
    async with db.transaction() as session:
        first = Person(language=Language.KY, phone="+996555111222", created_at=utcnow(), consent_at=utcnow())
        second = Person(language=Language.RU, display_name="Асель", created_at=utcnow())
        session.add_all([first, second])
        await session.flush()
        session.add(BroadcastMute(person_id=second.id, muted_at=utcnow()))
        session.add(AuditEntry(at=utcnow(), via="test", action="note", actor_person_id=second.id,
                               outcome="allowed", detail={}))
        alm = await municipality_by_code(session, "ALM")
        for person in (first, second):  # the same role twice: kept once
            session.add(RoleGrant(person_id=person.id, municipality_id=alm.id, role=Role.KVARTALKOM))
        group = InitiativeGroup(municipality_id=alm.id, name_ky="Жаштар", name_ru="Молодёжь", created_at=utcnow())
        session.add(group)
        await session.flush()
        session.add(GroupMember(group_id=group.id, person_id=second.id, status=MembershipStatus.MEMBER,
                                requested_at=utcnow()))
        session.add(ParticipantProfile(person_id=second.id, gender="female", age_group="30-44", asked_at=utcnow()))
        await session.flush()
        kept = await do_link_phone(session, second, "0555 111 222")
        first_id, second_id = first.id, second.id
    assert kept.id == first_id
    async with db.reader() as session:
        assert await session.get(Person, second_id) is None
        assert await session.get(BroadcastMute, first_id) is not None
        assert await session.scalar(sa.select(AuditEntry.actor_person_id)) == first_id
        assert (await session.scalars(sa.select(RoleGrant.person_id))).all() == [first_id]
        assert (await session.scalars(sa.select(GroupMember.person_id))).all() == [first_id]
        assert await session.get(ParticipantProfile, first_id) is not None


async def test_erasing_a_person_removes_their_profile_and_memberships(db):
    async with db.transaction() as session:
        alm = await municipality_by_code(session, "ALM")
        person = Person(language=Language.KY, phone="+996555333444", created_at=utcnow(), consent_at=utcnow())
        group = InitiativeGroup(municipality_id=alm.id, name_ky="Аялдар кеңеши", name_ru="Женсовет", created_at=utcnow())
        session.add_all([person, group])
        await session.flush()
        session.add(GroupMember(group_id=group.id, person_id=person.id, status=MembershipStatus.MEMBER,
                                requested_at=utcnow()))
        session.add(ParticipantProfile(person_id=person.id, gender="male", age_group="60+", asked_at=utcnow()))
        await session.flush()
        await do_erase_person(session, person, utcnow())
        person_id = person.id
    async with db.reader() as session:
        assert await session.get(ParticipantProfile, person_id) is None
        assert (await session.scalars(sa.select(GroupMember.status))).all() == [MembershipStatus.LEFT]
