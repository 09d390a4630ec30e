"""Through the real back office in headless Chromium (issue 15): a clerk merges a duplicate into another
request from its page (into itself, into another municipality's or a merged one refused with a clear
message; staff who may not change the other request refused and audited), both pages link each other
and nothing is lost; the request list filters by how the appeals arrived, the filter kept in the
query string and its figures those of the data made here."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import sqlalchemy as sa

from handlers.services.same_problem import affected_counts, do_follow
from storage.db import get_referenced
from storage.enums import AuditOutcome, Language, RequestSource, RequestStatus, Role
from storage.models import OutboxMessage, Person, Request, RequestFollower
from storage.types import utcnow
from tests.backoffice_world import add_request, add_staff, audit_entries
from tests.test_backoffice_browser import browser, log_in, office, press  # noqa: F401  (fixtures)


async def _merge(page, base: str, request_id: int, ticket: str) -> None:
    await page.goto(f"{base}/requests/{request_id}")
    await page.fill("#form-merge input[name=ticket]", ticket)
    await press(page, "#form-merge button[type=submit]")


async def _told(service, person_id: int) -> list[str]:
    async with service.db.reader() as session:
        rows = (await session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.address == f"console:resident-{person_id}").order_by(OutboxMessage.id))).all()
    return [row.payload["text"] for row in rows]


async def test_a_clerk_merges_a_duplicate_from_its_page(office, browser):  # noqa: F811
    service, world, base = office
    async with service.db.transaction() as session:
        target = await add_request(session, "ALM", "Нет воды на улице Ленина", resident="Айгуль")
        duplicate = await add_request(session, "ALM", "Воды нет, Ленина 5", resident="Мирлан",
                                      attachments=[{"kind": "photo", "ref": "photo-of-the-tap", "mime_type": None}])
        follower = await add_request(session, "ALM", "Тоже без воды", resident="Асель")
        roads = await add_request(session, "ALM", "Яма на дороге", category="roads")
        assert await do_follow(session, duplicate, await get_referenced(session, Person, follower.person_id),
                               Language.KY, utcnow())
        await add_staff(session, "ALM", "roads.alm", Role.DEPARTMENT_STAFF, department="roads", name="Жолчу")
        tkm_ticket = (await session.get(Request, world.tkm_request_id)).ticket
    page = await browser.new_page()
    await log_in(page, base, "water.alm")

    for wrong in (duplicate.ticket, tkm_ticket, "ALM-2026-999999"):
        await _merge(page, base, duplicate.id, wrong)
        assert "Это обращение нельзя туда объединить" in await page.inner_text("#form-merge .error")
        assert await page.input_value("#form-merge input[name=ticket]") == wrong  # what was typed stays
    await _merge(page, base, duplicate.id, target.ticket.lower())
    assert "Обращение объединено" in await page.inner_text(".done")
    assert "Объединено с другим обращением" in await page.inner_text("h1")
    assert await page.query_selector("#form-merge") is None  # closed: no more actions of the kind
    assert "photo-of-the-tap" not in await page.content() and await page.query_selector(".attachments li")
    await press(page, ".merged-into a")
    assert urlparse(page.url).path == f"/office/requests/{target.id}"
    assert await page.inner_text(".merged-from") == duplicate.ticket
    assert await page.inner_text("dd.affected") == "3"
    assert "С ним объединено другое обращение" in await page.inner_text(".events")
    await press(page, ".merged-from a")
    assert urlparse(page.url).path == f"/office/requests/{duplicate.id}"

    await _merge(page, base, target.id, duplicate.ticket)  # into a merged request
    assert "Это обращение нельзя туда объединить" in await page.inner_text("#form-merge .error")
    async with service.db.reader() as session:
        merged = await session.get(Request, duplicate.id)
        assert (merged.status, merged.merged_into_id) == (RequestStatus.MERGED, target.id)
        followers = set((await session.scalars(sa.select(RequestFollower.person_id).where(
            RequestFollower.request_id == target.id))).all())
        assert followers == {duplicate.person_id, follower.person_id}
        assert (await affected_counts(session, [target.id]))[target.id] == 3
        assert (await session.get(Request, target.id)).status == RequestStatus.RECEIVED
    assert any("Воды нет, Ленина 5" not in text and f"объединено с обращением {target.ticket}" in text
               for text in await _told(service, duplicate.person_id))
    assert any(f"({duplicate.ticket})" in text and "Затронуто жителей: 3" in text
               for text in await _told(service, target.person_id))

    roads_page = await browser.new_page()  # may change the roads request, not the water one
    await log_in(roads_page, base, "roads.alm")
    await _merge(roads_page, base, roads.id, target.ticket)
    assert "Ваша роль не позволяет" in await roads_page.inner_text(".error")
    refused = [e for e in await audit_entries(service.db, "merge") if e.outcome == AuditOutcome.REFUSED]
    assert [(e.object_id, e.actor_person_id is not None) for e in refused] == [(roads.id, True)]
    async with service.db.reader() as session:
        assert (await session.get(Request, roads.id)).status == RequestStatus.RECEIVED


async def test_the_request_list_filters_by_how_the_appeals_arrived(office, browser):  # noqa: F811
    service, _world, base = office
    made: dict[RequestSource, list[str]] = {}
    async with service.db.transaction() as session:
        for n, source in enumerate([RequestSource.PAPER, RequestSource.PAPER, RequestSource.PHONE,
                                    RequestSource.KVARTALKOM, RequestSource.MESSENGER, RequestSource.PAPER]):
            request = await add_request(session, "ALM", f"Обращение {n}")
            request.source = source
            request.received_at = utcnow() - timedelta(hours=1) if source != RequestSource.MESSENGER else None
            made.setdefault(source, []).append(request.ticket)
    page = await browser.new_page()
    await log_in(page, base, "head.alm")
    await page.goto(base + "/requests")
    labels = await page.eval_on_selector_all("select[name=source] option", "options => options.map(o => o.text)")
    assert labels == ["Все", "В мессенджере", "В приёмной лично", "На бумаге (письмо, почтовый ящик)", "По телефону",
                      "По электронной почте", "Через председателя квартального комитета"]
    await page.select_option("select[name=source]", "paper")
    await press(page, "form.filters button[type=submit]")
    assert parse_qs(urlparse(page.url).query)["source"] == ["paper"]
    shown = re.findall(r"ALM-\d{4}-\d+", await page.inner_text("table.requests"))
    assert sorted(shown) == sorted(made[RequestSource.PAPER]) and "Найдено 3 обращения" in await page.content()
    assert await page.input_value("select[name=source]") == "paper"
    export = await page.get_attribute("a[href*='export.csv']", "href")
    assert "source=paper" in export
    await page.goto(base + "/requests?source=kvartalkom")
    assert re.findall(r"ALM-\d{4}-\d+", await page.inner_text("table.requests")) == made[RequestSource.KVARTALKOM]
    await page.goto(base + "/requests?source=pigeon")
    assert "source" in await page.inner_text(".error")  # an unknown value is named and ignored
    assert len(re.findall(r"ALM-\d{4}-\d+", await page.inner_text("table.requests"))) == 6

    await page.goto(base + "/requests?source=phone")
    await press(page, "form.language button[value=ky]")  # the labels in Kyrgyz too, the filter kept
    assert await page.inner_text("select[name=source] option[selected]") == "Телефон аркылуу"
    assert re.findall(r"ALM-\d{4}-\d+", await page.inner_text("table.requests")) == made[RequestSource.PHONE]
