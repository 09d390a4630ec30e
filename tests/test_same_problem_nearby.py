"""Which open requests are offered as «the same problem»: the same quarter, or a pin within 300 m
(the database leaves out what lies outside the box around the pin; the exact distance decides the
rest), newest first, three at most, never the resident's own."""

import sqlalchemy as sa

from handlers.services.same_problem import NEAR_METRES, Where, metres_between, similar_open_requests
from storage.models import Person, Request
from tests.staff_world import build_world

PIN = (42.8746, 74.6122)
EAST_250_M = (42.8746, 74.6152553)
EAST_350_M = (42.8746, 74.6164774)
CORNER = (42.8772, 74.6157)
"""Inside the box around PIN (about 290 m north and 290 m east) but some 410 m away."""


async def offered(world, person_id: int, where: Where) -> list[int]:
    async with world.db.reader() as session:
        person = await session.get(Person, person_id)
        category_id = (await session.scalar(sa.select(Request.category_id).limit(1)))
        found = await similar_open_requests(session, person=person, category_id=category_id, where=where,
                                            now=world.clock())
    return [request.id for request in found]


async def placed(world, request: Request, quarter_id: int, pin: tuple[float, float] | None) -> int:
    async with world.db.transaction() as session:
        await session.execute(sa.update(Request).where(Request.id == request.id).values(
            quarter_id=quarter_id, latitude=pin[0] if pin else None, longitude=pin[1] if pin else None))
    return request.id


async def test_the_same_quarter_or_a_pin_within_300_metres_is_offered_newest_first(db):
    world = await build_world(db)
    assert 240 < metres_between(*PIN, *EAST_250_M) < 260
    assert 340 < metres_between(*PIN, *EAST_350_M) < 360
    assert metres_between(*PIN, *CORNER) > NEAR_METRES + 50
    q1, q2 = world.quarters["q1"], world.quarters["q2"]
    author = await world.resident()
    far = await placed(world, await world.request_of(author, "Суу жок, 350 м"), q2, EAST_350_M)
    corner = await placed(world, await world.request_of(author, "Суу жок, бурчта"), q2, CORNER)
    near = await placed(world, await world.request_of(author, "Суу жок, 250 м"), q2, EAST_250_M)
    same_quarter = await placed(world, await world.request_of(author, "Суу жок, пин жок"), q1, None)
    other_quarter_no_pin = await placed(world, await world.request_of(author, "Суу жок, башка квартал"), q2, None)

    await world.resident()  # the one who asks
    async with db.reader() as session:
        asker_id = (await session.scalar(sa.select(Person.id).order_by(Person.id.desc()).limit(1)))
    assert await offered(world, asker_id, Where(q1, *PIN)) == [same_quarter, near]
    assert await offered(world, asker_id, Where(None, *PIN)) == [near]
    assert await offered(world, asker_id, Where(q1, None, None)) == [same_quarter]
    assert await offered(world, asker_id, Where(q2, None, None)) == [other_quarter_no_pin, near, corner]
    assert await offered(world, asker_id, Where(None, None, None)) == []
    author_id = (await world.reload(far)).person_id
    assert await offered(world, author_id, Where(q2, *PIN)) == []  # never one's own
