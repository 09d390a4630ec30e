"""The staff's text search reads the word index: every word typed must start a word of the
request's ticket or description, in Kyrgyz or Russian, whatever the letters' case, and only
among the requests the staff member may see."""

import pytest
import sqlalchemy as sa

from handlers.staff.views import RequestFilters
from storage.models import RequestWord
from tests.staff_world import build_world


@pytest.fixture
async def world(db):
    return await build_world(db)


async def test_words_are_found_by_prefix_in_kyrgyz_and_russian_whatever_the_case(world, db):
    resident = await world.resident()
    pothole = await world.request_of(resident, "Көчөдө ЧУҢКУР бар, суу агып жатат", category="2")
    water = await world.request_of(resident, "Нет Воды в доме, водопровод сломан")
    lamp = await world.request_of(resident, "Фонарь не горит возле школы №5")
    head = await world.actor("head")

    async def found(text: str, actor=head) -> set[int]:
        return {row.id for row in (await world.desk.list_requests(actor, RequestFilters(text=text))).rows}

    assert await found("вод") == {water.id}  # "воды" and "водопровод"
    assert await found("ВОДОПР") == {water.id}
    assert await found("чуңк") == {pothole.id}
    assert await found("Чуңкур СУУ") == {pothole.id}
    assert await found("ФОНАРЬ, школ 5") == {lamp.id}
    assert await found("фонарь вод") == set()  # every word typed must be there
    assert await found("провод") == set()  # the start of a word, not any part of it
    assert await found("  ?!  ") == set()  # no word at all finds nothing
    assert await found(pothole.ticket.lower()) == {pothole.id}

    async with db.reader() as session:
        stored = set((await session.scalars(sa.select(RequestWord.word).where(RequestWord.request_id == water.id))))
    assert stored >= {"нет", "воды", "водопровод", "сломан"}

    other_head = await world.actor("other_head", municipality="TKM")
    for text in ("вод", "чуңкур", "фонарь", "нет"):
        assert await found(text, other_head) == set(), text
