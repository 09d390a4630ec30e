"""Nothing on the public page or the Open311 API identifies a resident: every field of every
resource, in both formats and both languages, is searched for the names, phone numbers, ПИН, pin
and private text the test wrote into the requests (and into an announcement)."""

import json
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
from aiohttp import ClientSession

from handlers.config import BISHKEK
from handlers.services import setup
from storage.enums import BroadcastKind, BroadcastStatus
from storage.models import Broadcast
from storage.types import utcnow
from tests.public_world import CENTRE, add_notices_and_hearings, build_public_world
from tests.test_open311 import start

LEAKY_NOTICE = "Справки у Бакыта Асанова по телефону 0700 123 456"


def leaves(value):
    """Every scalar in a JSON document."""
    if isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    else:
        yield value


async def everything_public(base: str, tickets: list[str]) -> dict[str, str]:
    """Every public resource's text, by its address."""
    api = f"{base}/open311/v2"
    today = datetime.now(BISHKEK).date()
    months = {f"{today:%Y-%m}", f"{today.replace(day=1) - timedelta(days=1):%Y-%m}"}
    addresses = [f"{base}/p/ALM/", f"{base}/p/ALM/?lang=ru", f"{api}/discovery.json", f"{api}/discovery.xml",
                 *[f"{base}/p/ALM/open-data/{month}.csv" for month in months]]
    for fmt in ("json", "xml"):
        for locale in ("ky", "ru"):
            query = f"?jurisdiction_id=ALM&locale={locale}"
            addresses += [f"{api}/services.{fmt}{query}", f"{api}/requests.{fmt}{query}",
                          f"{api}/requests.{fmt}{query}&status=open,closed&start_date=2000-01-01T00:00:00Z"
                          f"&end_date=2000-03-01T00:00:00Z",
                          *[f"{api}/requests/{ticket}.{fmt}{query}" for ticket in tickets]]
    found = {}
    async with ClientSession() as http:
        for address in addresses:
            async with http.get(address) as response:
                found[address] = await response.text()
    return found


@pytest.mark.parametrize("descriptions", [True, False])
async def test_no_field_of_the_page_or_the_api_identifies_a_resident(db_url, db, descriptions):
    now = utcnow()
    made = await build_public_world(db, now, descriptions=descriptions)
    await add_notices_and_hearings(db, now)
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        session.add(Broadcast(municipality_id=alm.id, kind=BroadcastKind.ORDINARY, status=BroadcastStatus.DONE,
                              text_ru=LEAKY_NOTICE, scheduled_at=now - timedelta(hours=1),
                              started_at=now - timedelta(hours=1), created_at=now))
    personal = [*made.personal, "Бакыта Асанова", "0700 123 456"]
    service, api = await start(db_url, public_reads_per_minute=1000)
    base = api.removesuffix("/open311/v2")
    try:
        tickets = [made.tickets[name] for name in ("water", "roads", "garbage")]
        pages = await everything_public(base, tickets)
    finally:
        await service.stop()

    assert "[телефон]" in pages[f"{base}/p/ALM/?lang=ru"]  # the announcement is there, anonymised
    assert sum(made.tickets["water"] in text for address, text in pages.items() if address.endswith(".csv")) == 1
    checked = 0
    for address, text in pages.items():
        assert not [word for word in personal if word in text], address
        if ".json" in address and "/requests" in address:
            records = json.loads(text)
            for record in records:
                assert (record["lat"], record["long"]) in ((None, None), CENTRE), address
                assert set(record) == {"service_request_id", "status", "status_notes", "service_name",
                                       "service_code", "description", "agency_responsible", "service_notice",
                                       "requested_datetime", "updated_datetime", "expected_datetime", "address",
                                       "address_id", "zipcode", "lat", "long", "media_url"}
                assert (record["description"] is None) == (not descriptions)
                checked += len(list(leaves(record)))
        if ".xml" in address:
            for element in ElementTree.fromstring(text.encode()).iter():
                assert not [word for word in personal if word in (element.text or "")], (address, element.tag)
    assert checked > 100
    water = json.loads(pages[f"{base}/open311/v2/requests/{made.tickets['water']}.json?jurisdiction_id=ALM&locale=ru"])
    assert water[0]["description"] == ("Трубу прорвало у дома. Звоните [ФИО] по номеру [телефон], ПИН [ПИН]"
                                       if descriptions else None)

