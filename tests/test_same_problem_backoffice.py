"""The back office shows how many residents a request affects and sorts the list by it (issue 15)."""

import re

from handlers.services.same_problem import do_follow
from storage.db import get_referenced
from storage.enums import Language
from storage.models import Person
from storage.types import utcnow
from tests.backoffice_world import add_request
from tests.test_backoffice_http import office  # noqa: F401  (the running back office and its world)


def _tickets_in_order(html: str) -> list[str]:
    return re.findall(r'/requests/\d+">(ALM-\d{4}-\d+)</a>', html)


async def test_the_list_shows_and_sorts_by_the_residents_affected(office):  # noqa: F811
    service, _world, client = office
    async with service.db.transaction() as session:
        shared = await add_request(session, "ALM", "Нет воды на всей улице")
        joiners = [await add_request(session, "ALM", f"Нет воды {n}") for n in range(2)]
        newest = await add_request(session, "ALM", "Дорога разбита", category="roads")
        for joiner in joiners:
            person = await get_referenced(session, Person, joiner.person_id)
            assert await do_follow(session, shared, person, Language.RU, utcnow())
        assert not await do_follow(session, shared, person, Language.RU, utcnow())  # joining twice: once
    head = client()
    await head.log_in("head.alm")
    _status, newest_first = await head.get("/requests")
    assert _tickets_in_order(newest_first)[0] == newest.ticket
    _status, most_affected = await head.get("/requests?sort=affected")
    assert _tickets_in_order(most_affected)[0] == shared.ticket
    assert 'value="affected" selected' in most_affected and '<td class="affected" data-label="Затронуто жителей">3</td>' in most_affected
    _status, page = await head.get(f"/requests/{shared.id}")
    assert "Затронуто жителей" in page and '<dd class="affected">3</dd>' in page
