"""The Open311 GeoReport v2 API, driven by a client nobody here wrote (the ``georeport`` package on
PyPI) where it can go, and by a plain HTTP client with a real XML parser where it cannot (discovery
and POST, which georeport does not speak): JSON and XML, errors, keys, limits."""

import asyncio
import json
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest
import sqlalchemy as sa
from aiohttp import ClientSession
from georeport import GeoReport

from handlers.transparency.models import Open311Submission, PrivateRequest
from main import build_service
from settings import Settings
from storage.models import Person, Request
from storage.types import utcnow
from tests.public_world import CENTRE, RESIDENT_PIN, build_public_world
from tests.test_admin_and_console import admin  # noqa: F401  (a fixture: runs `main.py admin …` in-process)

XML_START = '<?xml version="1.0" encoding="UTF-8"?>'


async def start(db_url: str, **limits):
    service = await build_service(Settings(_env_file=None, database_url=db_url, http_port=0, **limits))
    await service.start()
    host, port = service._runner.addresses[0][:2]
    return service, f"http://{host}:{port}/open311/v2"


@pytest.fixture
async def api(db_url):
    service, base = await start(db_url)
    yield base
    await service.stop()


async def issue_key(admin, code: str = "ALM", name: str = "Civic app") -> tuple[int, str]:
    status, out = await admin("apikey", "add", code, "--name", name)
    assert status == 0, out
    key = out.split("API key (shown once, keep it safe): ", 1)[1].strip()
    client_id = int(out.split("Open311 client #", 1)[1].split()[0])
    return client_id, key


async def fetch(method: str, url: str, **kwargs) -> tuple[int, dict, str]:
    async with ClientSession() as http, http.request(method, url, **kwargs) as response:
        return response.status, dict(response.headers), await response.text()


def xml(text: str) -> ElementTree.Element:
    assert text.startswith(XML_START), text[:80]
    return ElementTree.fromstring(text.encode())


async def requests_stored(db) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(Request))


# -- reading, with the third-party client --------------------------------------------------------
async def test_a_third_party_client_lists_services_and_public_requests_in_json_and_xml(api, db):
    made = await build_public_world(db, utcnow())
    for fmt in ("json", "xml"):
        client = GeoReport(api, jurisdiction="ALM", output_format=fmt)
        services = await asyncio.to_thread(client.get_service_list)
        codes = [s["service_code"] for s in services]
        assert codes == ["water", "roads", "garbage", "lighting", "sewerage", "land", "social", "other"]
        water = services[0]
        assert water["service_name"] == "💧 Питьевая вода" and water["group"] == "МП «Питьевая вода»"
        assert water["metadata"] in (False, "false") and water["type"] == "realtime"
        assert "heating" not in codes  # TKM's service stays TKM's

        definition = await asyncio.to_thread(client.get_service_definition, "roads")
        assert definition["service_code"] == "roads"

        listed = await asyncio.to_thread(client.get_service_requests)
        listed = listed if isinstance(listed, list) else [listed]
        tickets = [r["service_request_id"] for r in listed]
        assert tickets == [made.tickets["water"], made.tickets["garbage"], made.tickets["roads"]]  # newest first
        assert made.tickets["private"] not in tickets and made.tickets["tkm"] not in tickets
        by_ticket = {r["service_request_id"]: r for r in listed}
        water_request = by_ticket[made.tickets["water"]]
        assert water_request["status"] == "open" and by_ticket[made.tickets["roads"]]["status"] == "closed"
        assert by_ticket[made.tickets["garbage"]]["status"] == "closed"
        assert float(water_request["lat"]) == CENTRE[0] and float(water_request["long"]) == CENTRE[1]
        assert water_request["address"] == "Аламедин, Квартал №1"
        assert water_request["agency_responsible"] == "МП «Питьевая вода»"
        assert water_request["description"] == ("Трубу прорвало у дома. Звоните [ФИО] по номеру [телефон], "
                                                "ПИН [ПИН]")
        requested = datetime.fromisoformat(water_request["requested_datetime"])
        assert water_request["requested_datetime"].endswith("+06:00") and requested.utcoffset() == timedelta(hours=6)

        closed = await asyncio.to_thread(client.get_service_requests, status="closed", service_code="roads,garbage")
        closed = closed if isinstance(closed, list) else [closed]
        assert sorted(r["service_request_id"] for r in closed) == sorted([made.tickets["roads"],
                                                                          made.tickets["garbage"]])
        two = await asyncio.to_thread(client.get_service_requests,
                                      service_request_id=f"{made.tickets['water']},{made.tickets['roads']}")
        assert sorted(r["service_request_id"] for r in two) == sorted([made.tickets["water"], made.tickets["roads"]])

        one = await asyncio.to_thread(client.get_service_request, made.tickets["roads"])
        assert one["service_request_id"] == made.tickets["roads"] and one["service_code"] == "roads"


async def test_a_single_request_is_an_array_of_one_and_kyrgyz_names_on_request(api, db):
    made = await build_public_world(db, utcnow())
    status, headers, text = await fetch("GET", f"{api}/requests/{made.tickets['roads']}.json",
                                        params={"jurisdiction_id": "ALM", "locale": "ky"})
    body = json.loads(text)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["service_name"] == "🛣 Ички жолдор" and body[0]["description"] == "Мектептин жанындагы жолдо чуңкур бар"
    status, headers, text = await fetch("GET", f"{api}/requests/{made.tickets['roads']}.xml",
                                        params={"jurisdiction_id": "ALM"})
    root = xml(text)
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    assert root.tag == "service_requests" and [r.findtext("service_request_id") for r in root] == [made.tickets["roads"]]
    assert root.find("request/status").text == "closed"


async def test_discovery_lists_the_endpoint_in_json_and_xml(api):
    status, _headers, text = await fetch("GET", f"{api}/discovery.json")
    body = json.loads(text)
    assert status == 200 and body["endpoints"][0]["url"] == api + "/"
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(body["endpoints"][0]["formats"]) == {"application/json", "text/xml"}
    status, _headers, text = await fetch("GET", f"{api}/discovery.xml")
    root = xml(text)
    assert status == 200 and root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == api + "/"
    assert {f.text for f in root.findall("endpoints/endpoint/formats/format")} == {"application/json", "text/xml"}


# -- posting ------------------------------------------------------------------------------------
async def test_a_client_posts_a_request_and_reads_it_back_in_json_and_xml(api, db, admin):
    made = await build_public_world(db, utcnow())
    _client_id, key = await issue_key(admin)
    for fmt in ("json", "xml"):
        form = {"jurisdiction_id": "ALM", "api_key": key, "service_code": "lighting", "lat": "42.8901",
                "long": "74.6202", "email": "reporter@example.org", "first_name": "Азамат", "last_name": "Жумабеков",
                "description": f"Фонарь не горит ({fmt})"}
        status, headers, text = await fetch("POST", f"{api}/requests.{fmt}", data=form)
        assert status == 200, text
        if fmt == "json":
            posted = json.loads(text)
            ticket, token = posted[0]["service_request_id"], posted[0]["token"]
        else:
            root = xml(text)
            assert root.tag == "service_requests"
            ticket, token = root.findtext("request/service_request_id"), root.findtext("request/token")
        assert ticket.startswith(f"ALM-{datetime.now().year}-")

        client = GeoReport(api, jurisdiction="ALM", output_format=fmt)
        back = await asyncio.to_thread(client.get_service_request, ticket)
        assert back["service_request_id"] == ticket and back["status"] == "open"
        assert back["service_code"] == "lighting" and back["description"] == f"Фонарь не горит ({fmt})"
        assert float(back["lat"]) == CENTRE[0]  # the nearest quarter's centre, not the posted point
        assert back["agency_responsible"] == "МП «Уличное освещение»"

        status, _h, text = await fetch("GET", f"{api}/tokens/{token}.{fmt}", params={"jurisdiction_id": "ALM"})
        found = json.loads(text)[0]["service_request_id"] if fmt == "json" else xml(text).findtext(
            "request/service_request_id")
        assert status == 200 and found == ticket

    async with db.reader() as session:
        request = await session.scalar(sa.select(Request).where(Request.ticket == ticket))
        person = await session.get(Person, request.person_id)
        submission = await session.get(Open311Submission, request.id)
    assert request.department_id is not None and request.due_date > request.created_at.date()
    assert (request.latitude, request.longitude) == (42.8901, 74.6202)  # staff see where it is
    assert person.display_name is None and person.phone is None  # the name is not kept
    assert submission.email == "reporter@example.org" and submission.phone is None
    assert made.tickets["water"] != ticket


async def test_a_post_asked_private_is_created_and_not_listed(api, db, admin):
    await build_public_world(db, utcnow())
    _client_id, key = await issue_key(admin)
    status, _h, text = await fetch("POST", f"{api}/requests.json", data={
        "jurisdiction_id": "ALM", "api_key": key, "service_code": "social", "address_string": "Аламедин",
        "phone": "0555 99 88 77", "description": "Прошу помочь пенсионерке", "attribute[private]": "true"})
    ticket = json.loads(text)[0]["service_request_id"]
    assert status == 200
    status, _h, text = await fetch("GET", f"{api}/requests/{ticket}.json", params={"jurisdiction_id": "ALM"})
    assert status == 404 and json.loads(text)[0]["code"] == 404
    async with db.reader() as session:
        request = await session.scalar(sa.select(Request).where(Request.ticket == ticket))
        assert await session.get(PrivateRequest, request.id) is not None
        assert (await session.get(Open311Submission, request.id)).phone == "+996555998877"


@pytest.mark.parametrize("fmt", ["json", "xml"])
async def test_refused_posts_store_nothing_and_answer_the_error_array(api, db, admin, fmt):
    await build_public_world(db, utcnow())
    client_id, key = await issue_key(admin)
    _other_id, tkm_key = await issue_key(admin, "TKM", "Tokmok app")
    good = {"jurisdiction_id": "ALM", "api_key": key, "service_code": "water", "lat": "42.89", "long": "74.62",
            "email": "a@example.org", "description": "Нет воды"}
    before = await requests_stored(db)
    cases = [
        ({**good, "jurisdiction_id": "XYZ"}, 404, "jurisdiction_id 'XYZ' is not known"),
        ({**good, "service_code": "heating"}, 400, "service_code 'heating' is not a service of ALM"),
        ({**good, "api_key": tkm_key}, 403, "api_key is not valid for ALM"),
        ({k: v for k, v in good.items() if k != "api_key"}, 403, "api_key is required"),
        ({k: v for k, v in good.items() if k != "email"}, 400, "email or phone is required"),
        ({**good, "lat": "north"}, 400, "lat and long must be decimal degrees"),
        ({**good, "description": " "}, 400, "description is required"),
        ({**good, "lat": "", "long": ""}, 400, "a location is required"),
    ]
    for form, code, words in cases:
        status, headers, text = await fetch("POST", f"{api}/requests.{fmt}", data=form)
        if fmt == "json":
            error = json.loads(text)[0]
            got_code, description = error["code"], error["description"]
        else:
            root = xml(text)
            assert root.tag == "errors"
            got_code, description = int(root.findtext("error/code")), root.findtext("error/description")
        assert (status, got_code) == (code, code) and words in description, (form, status, text)
    assert await requests_stored(db) == before

    status, out = await admin("apikey", "revoke", "ALM", str(client_id))
    assert status == 0 and "revoked" in out
    status, _h, text = await fetch("POST", f"{api}/requests.{fmt}", data=good)
    assert status == 403 and "revoked" in text
    assert await requests_stored(db) == before
    status, out = await admin("apikey", "list", "ALM")
    assert f"#{client_id} Civic app (revoked" in out and key not in out


async def test_bad_reads_get_the_error_array_with_a_4xx_status(api, db):
    made = await build_public_world(db, utcnow())
    cases = [
        ("services.json", {}, 400, "jurisdiction_id is required"),
        ("services.json", {"jurisdiction_id": "NOPE"}, 404, "is not known"),
        ("services/heating.json", {"jurisdiction_id": "ALM"}, 404, "not a service of ALM"),
        ("requests.json", {"jurisdiction_id": "ALM", "status": "pending"}, 400, "status must be open or closed"),
        ("requests.json", {"jurisdiction_id": "ALM", "start_date": "yesterday"}, 400, "W3C"),
        ("requests.json", {"jurisdiction_id": "ALM", "start_date": "2026-01-01T00:00:00Z",
                           "end_date": "2026-06-01T00:00:00Z"}, 400, "90 days"),
        (f"requests/{made.tickets['tkm']}.json", {"jurisdiction_id": "ALM"}, 404, "not a public request of ALM"),
        (f"requests/{made.tickets['private']}.json", {"jurisdiction_id": "ALM"}, 404, "not a public request"),
        ("tokens/nothing.json", {"jurisdiction_id": "ALM"}, 404, "no request has this token"),
        ("services.html", {"jurisdiction_id": "ALM"}, 404, "no such resource"),
    ]
    for path, params, code, words in cases:
        status, _h, text = await fetch("GET", f"{api}/{path}", params=params)
        body = json.loads(text)
        assert status == code and body[0]["code"] == code and words in body[0]["description"], (path, text)
    status, _h, text = await fetch("GET", f"{api}/services.xml")
    assert status == 400 and xml(text).findtext("error/code") == "400"


async def test_dates_and_status_filters(api, db):
    now = utcnow()
    made = await build_public_world(db, now)
    start = (now - timedelta(days=1, hours=1)).isoformat()
    status, _h, text = await fetch("GET", f"{api}/requests.json", params={
        "jurisdiction_id": "ALM", "start_date": start, "status": "open,closed"})
    assert status == 200 and [r["service_request_id"] for r in json.loads(text)] == [made.tickets["water"],
                                                                                     made.tickets["garbage"]]
    end = (now - timedelta(days=1, hours=12)).isoformat()
    status, _h, text = await fetch("GET", f"{api}/requests.json", params={"jurisdiction_id": "ALM", "end_date": end})
    assert [r["service_request_id"] for r in json.loads(text)] == [made.tickets["roads"]]
    status, _h, text = await fetch("GET", f"{api}/requests.json", params={"jurisdiction_id": "ALM", "status": "open"})
    assert [r["service_request_id"] for r in json.loads(text)] == [made.tickets["water"]]
    assert RESIDENT_PIN not in text


async def test_too_many_requests_get_429_with_retry_after(db_url, db, admin):
    service, api = await start(db_url, public_reads_per_minute=3)
    try:
        statuses = [(await fetch("GET", f"{api}/services.json", params={"jurisdiction_id": "ALM"}))[0]
                    for _ in range(3)]
        status, headers, text = await fetch("GET", f"{api}/services.json", params={"jurisdiction_id": "ALM"})
        assert statuses == [200, 200, 200] and status == 429 and 0 < int(headers["Retry-After"]) <= 60
        assert json.loads(text)[0]["code"] == 429
    finally:
        await service.stop()
    _id, key = await issue_key(admin)
    service, api = await start(db_url, open311_posts_per_key_per_minute=1)
    try:
        before = await requests_stored(db)
        form = {"jurisdiction_id": "ALM", "api_key": key, "service_code": "water", "address_string": "Аламедин",
                "email": "a@example.org", "description": "Нет воды"}
        first = await fetch("POST", f"{api}/requests.json", data=form)
        second = await fetch("POST", f"{api}/requests.xml", data=form)
        assert first[0] == 200 and second[0] == 429 and int(second[1]["Retry-After"]) >= 1
        assert xml(second[2]).findtext("error/code") == "429"
        assert await requests_stored(db) == before + 1
    finally:
        await service.stop()


async def test_a_resident_sends_a_request_not_to_be_published_from_the_messenger(db_url, db):
    """The confirmation offers «🔒 …» because transparency publishes requests; such a request is
    registered and routed like any, and the API does not list it."""
    from tests.harness import Chat, onboard

    service, base = await start(db_url)
    try:
        resident = Chat(service.core, service.db, "console:private-resident")
        await onboard(resident, language="Русский")
        await resident.press("📝")
        await resident.send("1")
        await resident.send("Соседи сливают воду в арык, не хочу, чтобы это видели")
        private = next(label for label in resident.labels() if label.startswith("🔒"))
        assert private == "🔒 Отправить, не публиковать"
        await resident.press("🔒")
        assert "ALM-2026-" in resident.text and "не будет показано" in resident.text
        hidden = resident.text.split("ALM-", 1)[1][:11].join(["ALM-", ""])
        await resident.send("/menu")
        await resident.press("📝")
        await resident.send("1")
        await resident.send("Нет воды на улице Ленина")
        await resident.press("✅")
        shown = resident.text.split("ALM-", 1)[1][:11].join(["ALM-", ""])

        status, _h, text = await fetch("GET", f"{base}/requests.json", params={"jurisdiction_id": "ALM"})
        listed = {row["service_request_id"] for row in json.loads(text)}
        assert status == 200 and shown in listed and hidden not in listed
        status, _h, text = await fetch("GET", f"{base}/requests/{hidden}.json", params={"jurisdiction_id": "ALM"})
        assert status == 404
        async with db.reader() as session:
            request = await session.scalar(sa.select(Request).where(Request.ticket == hidden))
            assert request.department_id is not None and await session.get(PrivateRequest, request.id) is not None
    finally:
        await service.stop()
