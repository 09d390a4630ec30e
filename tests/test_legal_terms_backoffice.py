"""The lawyers' list of Kyrgyz/Russian terms in the web back office (``/legal/terms``), over HTTP: a
lawyer adds a term, removes it, downloads the list and replaces it with a file; a wrong file is refused
and changes nothing; a head is refused and the refusal is logged; every change is logged."""

import pytest
import sqlalchemy as sa
from aiohttp import FormData

from handlers.legal.term_base import TermAction
from storage.enums import AuditOutcome, Role
from storage.models import LegalTerm
from tests.backoffice_world import OfficeClient, add_staff, audit_entries, build_world, start_service


@pytest.fixture
async def office(db_url):
    service, base = await start_service(db_url)
    await build_world(service.db)
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "lawyer.alm", Role.LAWYER, name="Бермет Юрист")
    clients = []

    def client() -> OfficeClient:
        clients.append(OfficeClient(base))
        return clients[-1]

    yield service, client
    for made in clients:
        await made.close()
    await service.stop()


def upload(csrf: str, text: str) -> FormData:
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", text.encode(), filename="terms.csv", content_type="text/csv")
    return form


async def stored(service) -> list[tuple[str, str]]:
    async with service.db.reader() as session:
        return [tuple(r) for r in (await session.execute(sa.select(LegalTerm.concept, LegalTerm.term).order_by(
            LegalTerm.concept, LegalTerm.term))).all()]


async def term_id(service, term: str) -> int:
    async with service.db.reader() as session:
        return (await session.scalars(sa.select(LegalTerm.id).where(LegalTerm.term == term))).one()


async def test_a_lawyer_adds_and_removes_a_term(office):
    service, client = office
    lawyer = client()
    await lawyer.log_in("lawyer.alm")
    status, page = await lawyer.get("/legal")
    assert status == 200 and 'href="/office/legal/terms"' in page
    status, page = await lawyer.get("/legal/terms")
    assert status == 200 and "өргүү акысы" in page and 'id="concept-vacation_pay"' in page
    csrf = await lawyer.csrf("/legal/terms")
    before = await stored(service)

    status, page = await lawyer.post("/legal/terms/add", {"csrf": csrf, "concept": "Winter_Fuel", "term": " жылытуу "})
    assert status == 200 and 'id="concept-winter_fuel"' in page and "жылытуу" in page
    assert await stored(service) == sorted([*before, ("winter_fuel", "жылытуу")])
    status, page = await lawyer.post("/legal/terms/add", {"csrf": csrf, "concept": "winter_fuel", "term": "жылытуу"})
    assert status == 400 and len(await stored(service)) == len(before) + 1  # already there
    status, page = await lawyer.post("/legal/terms/add", {"csrf": csrf, "concept": "зимнее топливо", "term": "уголь"})
    assert status == 400 and 'role="alert"' in page and len(await stored(service)) == len(before) + 1

    added = await term_id(service, "жылытуу")
    status, page = await lawyer.post(f"/legal/terms/{added}/remove", {"csrf": csrf})
    assert status == 200 and 'id="concept-winter_fuel"' not in page
    assert await stored(service) == before
    assert (await lawyer.post(f"/legal/terms/{added}/remove", {"csrf": csrf}))[0] == 404

    logged = [(e.action, e.outcome, e.detail["term"]) for e in await audit_entries(service.db)
              if e.action.startswith("term")]
    assert logged == [(TermAction.ADD, AuditOutcome.ALLOWED, "жылытуу"),
                      (TermAction.REMOVE, AuditOutcome.ALLOWED, "жылытуу")]


async def test_a_lawyer_downloads_the_list_and_replaces_it_with_a_file(office):
    service, client = office
    lawyer = client()
    await lawyer.log_in("lawyer.alm")
    status, body, content_type = await lawyer.get_bytes("/legal/terms.csv")
    exported = body.decode("utf-8-sig")
    assert status == 200 and "text/csv" in content_type and "vacation_pay,өргүү акысы" in exported
    before = await stored(service)
    csrf = await lawyer.csrf("/legal/terms")

    status, _page = await lawyer.post("/legal/terms/import", upload(csrf, exported))
    assert status == 200 and await stored(service) == before  # the download reads back as it was

    for bad in ("concept;term\nvacation;отпуск\n", "concept,term\nvacation,отпуск\nvacation\n",
                "concept,term\nvacation,\n", "concept,term\n"):
        status, page = await lawyer.post("/legal/terms/import", upload(csrf, bad))
        assert status == 400 and 'role="alert"' in page
        assert await stored(service) == before
    status, page = await lawyer.post("/legal/terms/import", upload(csrf, "concept,term\nvacation,отпуск\nvacation\n"))
    assert "3" in page.split('role="alert">', 1)[1].split("</p>", 1)[0]  # the line is named

    good = "concept,term\nwinter_fuel,отопление\nwinter_fuel,жылытуу\n"
    status, page = await lawyer.post("/legal/terms/import", upload(csrf, good))
    assert status == 200 and 'id="concept-vacation_pay"' not in page
    assert await stored(service) == [("winter_fuel", "жылытуу"), ("winter_fuel", "отопление")]
    imports = [(e.outcome, e.detail) for e in await audit_entries(service.db, TermAction.IMPORT)]
    assert [o for o, _d in imports] == [AuditOutcome.ALLOWED] + [AuditOutcome.REFUSED] * 5 + [AuditOutcome.ALLOWED]
    assert imports[-1][1] == {"terms": 2}


async def test_a_head_is_refused_and_the_refusal_is_logged(office):
    service, client = office
    head = client()
    await head.log_in("head.alm")
    assert (await head.get("/legal/terms"))[0] == 403
    csrf = await head.csrf("/requests")
    before = await stored(service)
    status, _page = await head.post("/legal/terms/add", {"csrf": csrf, "concept": "vacation_pay", "term": "отпуск"})
    assert status == 403
    status, _page = await head.post(f"/legal/terms/{await term_id(service, 'өргүү акысы')}/remove", {"csrf": csrf})
    assert status == 403
    status, _page = await head.post("/legal/terms/import", upload(csrf, "concept,term\na,b\n"))
    assert status == 403
    assert (await head.get_bytes("/legal/terms.csv"))[0] == 403
    assert await stored(service) == before
    refused = [(e.action, e.detail["reason"]) for e in await audit_entries(service.db)
               if e.outcome == AuditOutcome.REFUSED]
    assert refused == [(action, "not a lawyer") for action in (TermAction.ADD, TermAction.REMOVE, TermAction.IMPORT,
                                                                TermAction.EXPORT)]
