"""The request list counts its rows only up to a limit (a million rows take longer to count than
to page through), and a whole ticket number is found by the ticket, not by a text search."""

import pytest

from handlers.staff import views
from handlers.staff.views import RequestFilters
from tests.staff_world import build_world


@pytest.fixture
async def world(db):
    return await build_world(db)


async def test_the_count_stops_at_the_limit_and_says_there_are_more(world, monkeypatch):
    monkeypatch.setattr(views, "TOTAL_COUNTED", 3)
    monkeypatch.setattr(views, "TEXT_COUNTED", 3)
    resident = await world.resident()
    made = [await world.request_of(resident, f"Нет воды, дом {n}") for n in range(6)]
    head = await world.actor("head")

    first = await world.desk.list_requests(head, RequestFilters(), page=1, per_page=2)
    assert (first.total, first.total_exact, first.pages) == (3, False, 3)  # "3+" and a next page
    assert [r.id for r in first.rows] == [made[5].id, made[4].id]

    third = await world.desk.list_requests(head, RequestFilters(), page=3, per_page=2)
    assert (third.total, third.total_exact, third.pages) == (6, True, 3)  # counted far enough: exact
    assert [r.id for r in third.rows] == [made[1].id, made[0].id]

    searched = await world.desk.list_requests(head, RequestFilters(text="НЕТ ВОДЫ"), page=2, per_page=2)
    assert (searched.total, searched.total_exact, searched.pages) == (4, False, 3)  # counted up to page 2 and one more
    assert [r.id for r in searched.rows] == [made[3].id, made[2].id]
    last = await world.desk.list_requests(head, RequestFilters(text="нет воды"), page=3, per_page=2)
    assert (last.total, last.total_exact, [r.id for r in last.rows]) == (6, True, [made[1].id, made[0].id])

    few = await world.desk.list_requests(head, RequestFilters(text="дом 5"), page=1, per_page=2)
    assert (few.total, few.total_exact, few.pages, [r.id for r in few.rows]) == (1, True, 1, [made[5].id])


async def test_a_whole_ticket_finds_that_request_only(world):
    resident = await world.resident()
    wanted = await world.request_of(resident, "Яма на дороге")
    other = await world.request_of(resident, f"Повторно, см. {wanted.ticket}")
    head = await world.actor("head")

    for typed in (wanted.ticket, wanted.ticket.lower(), f"  {wanted.ticket} "):
        page = await world.desk.list_requests(head, RequestFilters(text=typed))
        assert [r.id for r in page.rows] == [wanted.id], typed
    partial = await world.desk.list_requests(head, RequestFilters(text=wanted.ticket[:-2]))
    assert {r.id for r in partial.rows} == {wanted.id, other.id}  # a part of a number is still searched as text
