"""Each municipality's public page in a real headless Chromium, in Kyrgyz and in Russian, its
figures checked against the data the test made; the cache; the open data of a month as CSV."""

import csv
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from aiohttp import ClientSession
from playwright.async_api import Page

from handlers.config import BISHKEK
from main import build_service
from settings import Settings
from storage.models import Person, Quarter
from storage.types import utcnow
from tests.public_world import (
    CENTRE,
    EMERGENCY_OLD_RU,
    EMERGENCY_TODAY_RU,
    GROUP_ONLY_RU,
    ORDINARY_KY,
    ORDINARY_RU,
    PAST_TITLE,
    RESIDENT_NAME,
    UPCOMING_TITLE,
    add_notices_and_hearings,
    add_request,
    build_public_world,
)
from tests.test_admin_and_console import admin  # noqa: F401  (a fixture: runs `main.py admin …` in-process)
from tests.test_backoffice_browser import browser  # noqa: F401  (a fixture: headless Chromium)

PHONE = {"width": 375, "height": 740}


async def start(db_url: str, **values):
    service = await build_service(Settings(_env_file=None, database_url=db_url, http_port=0, **values))
    await service.start()
    host, port = service._runner.addresses[0][:2]
    return service, f"http://{host}:{port}"


@pytest.fixture
async def site(db_url):
    service, base = await start(db_url)
    yield service, base
    await service.stop()


async def chart_rows(page: Page, section: str) -> list[tuple[str, str]]:
    """The (label, value) pairs a section's SVG bars show."""
    labels = await page.locator(f"#{section} svg text.label").evaluate_all(
        "nodes => nodes.map(n => n.firstChild.textContent)")
    values = await page.locator(f"#{section} svg text.value").evaluate_all("nodes => nodes.map(n => n.textContent)")
    return list(zip(labels, values, strict=True))


async def test_the_public_page_shows_the_figures_in_kyrgyz_and_russian_on_a_phone(site, db, browser):
    service, base = site
    now = utcnow()
    await build_public_world(db, now)
    await add_notices_and_hearings(db, now)
    async with db.reader() as session:
        quarters = list((await session.scalars(sa.select(Quarter).order_by(Quarter.village_id, Quarter.sort,
                                                                           Quarter.id).limit(2))).all())
    month_now = now.astimezone(BISHKEK).strftime("%Y-%m")
    in_month = sum(1 for hours in (3, 48, 24, 2)
                   if (now - timedelta(hours=hours)).astimezone(BISHKEK).strftime("%Y-%m") == month_now)

    context = await browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = await context.new_page()
    expected = {
        "ky": {"categories": [("💧 Ичүүчү суу", "2"), ("🛣 Ички жолдор", "1"), ("🗑 Таштанды чыгаруу", "1")],
               "places": [(f"Аламүдүн, {quarters[0].name_ky}", "3"), (f"Аламүдүн, {quarters[1].name_ky}", "1")],
               "statuses": ["Катталды", "Каралууда", "Чечилди", "Четке кагылды"],
               "ordinary": ORDINARY_KY, "title": "Аламүдүн айыл өкмөтү", "upcoming": "Алдыдагы коомдук угуулар"},
        "ru": {"categories": [("💧 Питьевая вода", "2"), ("🛣 Внутренние дороги", "1"), ("🗑 Вывоз мусора", "1")],
               "places": [(f"Аламедин, {quarters[0].name_ru}", "3"), (f"Аламедин, {quarters[1].name_ru}", "1")],
               "statuses": ["Принято", "На рассмотрении", "Решено", "Отклонено"],
               "ordinary": ORDINARY_RU, "title": "Аламудун", "upcoming": "Предстоящие общественные слушания"},
    }
    for language, want in expected.items():
        response = await page.goto(f"{base}/p/ALM/" + ("?lang=ru" if language == "ru" else ""))
        assert response.status == 200
        assert await page.get_attribute("html", "lang") == language
        assert want["title"] in await page.inner_text("h1")
        title = await page.title()  # the tab's title is the name, not a section of the page
        assert title.startswith(want["title"]) and "<" not in title and len(title) < 120
        assert await page.inner_text("#month-total") == str(in_month)
        assert await page.inner_text("#year-total") == "4"
        assert (await page.inner_text("#in-term")).replace("\xa0", " ") in ("100 %", "100%")
        assert await page.inner_text("#median-days") == "0,6"  # 1 day and 5 hours: the median is 0.6 days
        assert await chart_rows(page, "categories") == want["categories"]
        assert await chart_rows(page, "places") == want["places"]
        assert [label for label, count in await chart_rows(page, "statuses")] == want["statuses"]
        assert all(count == "1" for _label, count in await chart_rows(page, "statuses"))
        trend = await chart_rows(page, "trend")
        assert len(trend) == 12 and sum(int(count) for _l, count in trend) == 4 and trend[-1][1] == str(in_month)
        announcements = await page.inner_text("#announcements")
        assert want["ordinary"] in announcements and EMERGENCY_TODAY_RU in announcements
        assert EMERGENCY_OLD_RU not in announcements and GROUP_ONLY_RU not in announcements
        assert UPCOMING_TITLE in await page.inner_text("#upcoming")
        assert want["upcoming"] in await page.inner_text("#upcoming h2")
        past = await page.locator("#past tbody tr td").all_inner_texts()
        assert PAST_TITLE in past[0] and past[1:] == ["135", "57", "25", "3", "2"]
        links = page.locator("#open-data a")
        assert await links.count() == 12
        assert await links.first.get_attribute("href") == f"/p/ALM/open-data/{month_now}.csv"
        assert await page.locator("script").count() == 0
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"the page is {width}px wide on a {PHONE['width']}px phone"
    missing = await page.goto(f"{base}/p/NOPE/?lang=ru")
    assert missing.status == 404 and "Муниципалитета с таким кодом нет." in await page.inner_text("main")
    await context.close()


async def year_total(http: ClientSession, base: str) -> str:
    async with http.get(f"{base}/p/ALM/?lang=ru") as response:
        assert response.status == 200 and "max-age" in response.headers["Cache-Control"]
        return (await response.text()).split('id="year-total">', 1)[1].split("<", 1)[0]


async def add_one(db, now) -> None:
    async with db.transaction() as session:
        person = await session.scalar(sa.select(Person).where(Person.display_name == RESIDENT_NAME))
        await add_request(session, person, "water", "Ещё одна жалоба", now)


async def test_a_page_is_drawn_once_per_ttl_not_per_visit(db_url, db):
    now = utcnow()
    await build_public_world(db, now)
    service, base = await start(db_url, public_page_seconds=3600)
    try:
        async with ClientSession() as http:
            assert await year_total(http, base) == "4"
            await add_one(db, now)
            assert await year_total(http, base) == "4"  # the kept page, not the database
    finally:
        await service.stop()
    service, base = await start(db_url, public_page_seconds=0)
    try:
        async with ClientSession() as http:
            assert await year_total(http, base) == "5"
            await add_one(db, now)
            assert await year_total(http, base) == "6"
    finally:
        await service.stop()


async def test_open_data_is_a_month_of_public_requests_as_csv_with_the_licence(site, db, admin):
    _service, base = site
    made = await build_public_world(db, datetime(2026, 11, 15, 12, 0, tzinfo=BISHKEK))
    status, out = await admin("public", "licence", "ALM", "CC BY 4.0, Аламүдүн айыл өкмөтү")
    assert status == 0 and "licence: CC BY 4.0, Аламүдүн айыл өкмөтү" in out
    async with ClientSession() as http:
        async with http.get(f"{base}/p/ALM/open-data/2026-11.csv") as response:
            assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
            assert 'filename="ALM-2026-11.csv"' in response.headers["Content-Disposition"]
            text = (await response.read()).decode("utf-8-sig")
        async with http.get(f"{base}/p/ALM/open-data/2026-10.csv") as response:
            empty = (await response.read()).decode("utf-8-sig")
        async with http.get(f"{base}/p/ALM/open-data/2026-13.csv") as response:
            assert response.status == 404
    licence, *table = text.splitlines()
    assert licence == "# ALM 2026-11. Licence: CC BY 4.0, Аламүдүн айыл өкмөтү"
    rows = list(csv.DictReader(table))
    assert [r["service_request_id"] for r in rows] == [made.tickets[n] for n in ("roads", "garbage", "water")]
    water = rows[2]
    assert (water["service_code"], water["status"], water["service_name_ru"]) == ("water", "open", "💧 Питьевая вода")
    assert (water["village_ru"], water["quarter_ky"]) == ("Аламедин", "1-квартал")
    assert (float(water["lat"]), float(water["long"])) == CENTRE
    assert water["requested_datetime"] == "2026-11-15T09:00:00+06:00"
    assert water["description"] == "Трубу прорвало у дома. Звоните [ФИО] по номеру [телефон], ПИН [ПИН]"
    assert rows[0]["status"] == "closed" and rows[0]["agency_responsible_ru"] == "МП «Внутренние дороги»"
    assert not [word for word in made.personal if word in text]
    assert empty.splitlines()[1:] == [",".join(rows[0].keys())]
