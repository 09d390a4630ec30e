"""The administrator, in headless Chromium, keeps the setup pages this issue added: adds a holiday,
a reply template and a route by quarter through the pages' own forms, and each is found where it is
used (the holidays list, the head's request page starting an answer from the template, the
category's routes)."""

import sqlalchemy as sa

from storage.models import CategoryRoute, Holiday
from tests.backoffice_world import add_request
from tests.setup_world import staffed_office  # noqa: F401 - a fixture
from tests.test_backoffice_browser import browser, log_in, press  # noqa: F401 - a fixture


async def test_holidays_templates_and_routes_through_the_pages_forms(staffed_office, browser):  # noqa: F811
    service, _world, base = staffed_office
    async with service.db.transaction() as session:
        request_id = (await add_request(session, "ALM", "Нет воды")).id
    page = await browser.new_page()
    await log_in(page, base, "admin.alm")

    await page.goto(base + "/setup/holidays")
    await page.fill("form.new-holiday [name=day]", "2030-02-13")
    await page.fill("form.new-holiday [name=name_ky]", "Айыл күнү")
    await page.fill("form.new-holiday [name=name_ru]", "День села")
    await press(page, "form.new-holiday button")
    assert "Праздник добавлен" in await page.inner_text("p.done")
    assert "2030-02-13" in await page.inner_text("table.holidays")
    async with service.db.reader() as session:
        assert await session.scalar(sa.select(Holiday.name_ky).where(Holiday.name_ru == "День села")) == "Айыл күнү"

    await page.click("a[href$='/setup/templates']")
    await page.wait_for_load_state("load")
    await page.fill("form.new-template [name=title]", "Труба")
    await page.fill("form.new-template [name=text_ky]", "Түтүк оңдолду.\nСуу бар.")
    await page.fill("form.new-template [name=text_ru]", "Трубу починили.\nВода есть.")
    await press(page, "form.new-template button")
    assert "Шаблон ответа сохранён" in await page.inner_text("p.done")
    head = await (await browser.new_context()).new_page()
    await log_in(head, base, "head.alm")
    await head.goto(f"{base}/requests/{request_id}")
    await press(head, "p.templates a:has-text('Труба')")
    assert "Трубу починили.\nВода есть." in await head.input_value("#form-answer textarea[name=text]")

    await page.goto(base + "/setup/categories")
    row = page.locator("table.categories tr", has_text="water")
    await row.locator("details summary").click()
    options = await row.locator("select[name=quarter] option").all_inner_texts()
    assert all(", " in option for option in options), options  # each quarter with its village
    await row.locator("select[name=quarter]").select_option(index=1)
    await row.locator("select[name=department]").select_option(index=1)
    await press(page, "table.categories tr:has-text('water') form.new-route button")
    assert "Маршрут добавлен" in await page.inner_text("p.done")
    assert options[1] in await page.locator("table.categories tr", has_text="water").locator("td.routes").inner_text()
    async with service.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(CategoryRoute)) >= 1
