"""One resident writing from two messengers: sharing the phone number joins the two records,
and nothing that belonged to the newer one is lost (requests, roles, mutes, actions)."""

import sqlalchemy as sa

from handlers.services.people import do_link_phone
from storage.enums import Language
from storage.models import AuditEntry, BroadcastMute, Person
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
        await session.flush()
        kept = await do_link_phone(session, second, "0555 111 222")
        first_id, second_id = first.id, second.id
    assert kept.id == first_id
    async with db.reader() as session:
        assert await session.get(Person, second_id) is None
        assert await session.get(BroadcastMute, first_id) is not None
        assert await session.scalar(sa.select(AuditEntry.actor_person_id)) == first_id
