"""A municipality set up in the browser from an empty database, with nothing done through the
command line or the database: the first-run link the service prints, the operator's account and
the first municipality, the operator's page (health, a second municipality), two villages with
quarters, a department, a category, a department staff member invited by link and bound by opening
the Telegram deep link (``/start <code>`` through the fake Bot API), the department's Telegram group
linked by the code the bot posts there; then a resident's Telegram request reaches that group as a
card, the staff member takes it there and sees it in the back office with the login the
administrator gave, and a revoked role stops working at once, in the group and on the web."""

from urllib.parse import parse_qs, urlparse

import pytest
from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeout

from tests.conftest import TELEGRAM_TOKEN
from tests.setup_world import empty_db_url, first_run_links, start_fresh  # noqa: F401 - a fixture
from tests.telegram_user import TelegramUser
from tests.test_backoffice_browser import browser, log_in, press  # noqa: F401 - a fixture
from tests.waiting import eventually

OPERATOR_PASSWORD = "a long operator secret"
STAFF_PASSWORD = "water staff secret"
STAFF_ID, GROUP = 8001, -1008001
STAFF = {"id": STAFF_ID, "first_name": "Нурлан", "last_name": "Суу"}


@pytest.fixture
async def fresh(empty_db_url, fake_api, capsys):  # noqa: F811
    service, base = await start_fresh(empty_db_url, fake_api.base_url)
    yield service, base, capsys.readouterr().out
    await service.stop()


async def fill_and_submit(page: Page, form: str, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = page.locator(f"{form} [name={name}]")
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    await press(page, f"{form} button[type=submit]")


async def first_run(page: Page, link: str) -> None:
    await page.goto(link)
    await fill_and_submit(page, "form.first-run", {
        "name": "Айбек Operator", "login": "operator", "password": OPERATOR_PASSWORD,
        "password_again": OPERATOR_PASSWORD, "language": "ru", "code": "ALM",
        "name_ky": "Аламүдүн айыл өкмөтү", "name_ru": "Аламудунский айыл окмоту",
        "name_ru_genitive": "Аламудунского айыл окмоту", "lat": "42.88", "lon": "74.63", "radius": "12",
        "deadline_days": "10", "deadline_count": "working"})


async def add_places(page: Page) -> None:
    for ky, ru in (("Байтик", "Байтик"), ("Кашка-Суу", "Кашка-Суу")):
        await fill_and_submit(page, "form.new-village", {"name_ky": ky, "name_ru": ru})
    for index in range(2):
        await fill_and_submit(page, f"section.village >> nth={index} >> form.new-quarter",
                              {"name_ky": "1-квартал", "name_ru": "Квартал №1"})


async def test_a_municipality_is_set_up_in_the_browser_from_an_empty_database(fresh, fake_api, browser):  # noqa: F811
    service, base, printed = fresh
    links = first_run_links(printed)
    assert len(links) == 1 and links[0].startswith(base)
    page = await browser.new_page()

    await first_run(page, links[0])
    assert await page.inner_text("h1") == "Сёла и кварталы"

    # The operator sees the municipality's health and adds a second one, inviting its administrator.
    await page.goto(base + "/operator")
    row = page.locator("table.municipalities tr", has_text="ALM")
    assert "Telegram @kairyl_test_bot" in await row.locator("td.bots").inner_text()
    assert await row.locator("td.overdue-count").inner_text() == "0"
    await fill_and_submit(page, "form.new-municipality", {
        "code": "TKM", "name_ky": "Токмок шаардык мэриясы", "name_ru": "Мэрия города Токмок",
        "name_ru_genitive": "мэрии города Токмок", "deadline_days": "14", "deadline_count": "calendar",
        "admin_name": "Токтогул", "admin_language": "ky"})
    assert (await page.get_attribute("a.telegram-link", "href")).startswith("https://t.me/kairyl_test_bot?start=")
    assert await page.locator("table.municipalities tbody tr").count() == 2
    await page.goto(base + "/setup")
    await add_places(page)
    villages = page.locator("section.village")
    assert await villages.count() == 2
    assert "Квартал №1" in await villages.nth(1).inner_text()

    await page.goto(base + "/setup/departments")
    await fill_and_submit(page, "form.new-department",
                          {"code": "water", "kind": "enterprise", "name_ky": "Ичүүчү суу", "name_ru": "Водоканал"})
    await page.goto(base + "/setup/categories")
    await fill_and_submit(page, "form.new-category",
                          {"code": "water", "name_ky": "Ичүүчү суу", "name_ru": "Питьевая вода"})
    assert "Питьевая вода" in await page.inner_text("table.categories")

    await page.goto(base + "/setup/staff")
    await fill_and_submit(page, "form.new-staff", {"name": "Нурлан Суу", "role": "department_staff",
                                                   "department": await _option(page, "department", "Водоканал"),
                                                   "language": "ru"})
    link = await page.get_attribute("a.telegram-link", "href")
    assert link.startswith("https://t.me/kairyl_test_bot?start=")
    code = parse_qs(urlparse(link).query)["start"][0]

    # The staff member opens the deep link: Telegram sends the bot /start <code>.
    bot = fake_api.bot(TELEGRAM_TOKEN)
    bot.push_update(bot.message_update(STAFF_ID, f"/start {code}", user=STAFF))
    welcome = (await bot.wait_sent(STAFF_ID, 1))[0]
    assert "Приглашение от Аламудунского айыл окмоту" in welcome.text and "Водоканал" not in welcome.text
    assert "сотрудник отдела" in welcome.text
    await page.goto(base + "/setup/staff")
    nurlan = page.locator("table.staff tr", has_text="Нурлан")
    assert "telegram" in await nurlan.locator("td.bound").inner_text()
    await nurlan.locator("input[name=login]").fill("nurlan")
    await nurlan.locator("input[name=password]").fill(STAFF_PASSWORD)
    await press(page, "table.staff tr:has-text('Нурлан') form.give-login button")
    assert "Вход в веб-кабинет создан" in await page.inner_text("p.done")


    # The bot, added to the department's Telegram group, posts a code; the administrator types it.
    bot.push_update(bot.my_chat_member_update(GROUP, status="member", user=STAFF))
    hello = (await bot.wait_sent(GROUP, 1))[0]
    group_code = hello.text.split("этот код: ")[1].split()[0]
    await page.goto(base + "/setup/departments")
    await fill_and_submit(page, "section.department >> nth=0 >> form.link-group",
                          {"group_code": group_code.lower(), "language": "ru"})
    assert "Группа сотрудников подключена" in await outcome(page)

    # A resident of the second village writes on Telegram: the card reaches the department's group.
    resident = TelegramUser(bot, chat_id=7001)
    await resident.say("Здравствуйте")
    await resident.press("Русский")
    await resident.press("Согласен")
    await resident.press("Аламудунский айыл окмоту")  # two municipalities now: the resident picks theirs
    await resident.press("Кашка-Суу")  # its one quarter is taken without asking; then the categories
    await resident.press("Питьевая вода")
    await resident.say("Нет воды третий день")
    done = await resident.press("Отправить")
    ticket = done.text.split("номер: ")[1].split(".")[0]
    card = (await eventually(lambda: _cards(bot), "no card in the department's group"))[0]
    assert ticket in card.text and "Нет воды третий день" in card.text

    # The invited staff member takes it from the group and sees it in the back office.
    assert ticket in await press_in_group(bot, card, "Взять")
    staff_page = await (await browser.new_context()).new_page()
    await log_in(staff_page, base, "nurlan", STAFF_PASSWORD)
    assert ticket in await staff_page.inner_text("table.requests")
    assert await staff_page.locator("a[href$='/setup']").count() == 0  # no setup for department staff

    # Once the role is revoked, a press in the group is refused and the back office lets them in no more.
    await page.goto(base + "/setup/staff")
    await press(page, "table.staff tr:has-text('Нурлан') button.revoke")
    assert "Роль отозвана" in await page.inner_text("p.done")
    assert "Только сотрудники" in await press_in_group(bot, card, "Ответить")
    await staff_page.goto(base + "/requests")
    assert await staff_page.locator("input[name=password]").count() == 1  # back to the log-in form


async def outcome(page: Page) -> str:
    """What a form's answer page says: its confirmation, or its refusal (then the test fails with
    the reason shown, rather than waiting out a timeout for a confirmation that will not come)."""
    answer = page.locator("p.done, p.error").first
    try:
        await answer.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        raise AssertionError(f"no confirmation nor refusal on {page.url}: {await page.inner_text('body')}") from None
    return await answer.inner_text()


async def _cards(bot):
    return [m for m in bot.sent_to(GROUP) if m.method == "sendMessage" and "📌" in (m.text or "")]


async def press_in_group(bot, card, label: str) -> str:
    """Presses a card's button as the staff member; returns the short answer (the toast)."""
    buttons = [row[0] for row in (card.reply_markup or {}).get("inline_keyboard", [])]
    data = next(b["callback_data"] for b in buttons if label in b["text"])
    before = len(_answers(bot))
    bot.push_update(bot.callback_update(GROUP, data, message_id=card.message_id, user=STAFF))
    return (await eventually(lambda: _answers(bot)[before:], "no answer to the press"))[0].get("text") or ""


def _answers(bot) -> list[dict]:
    return [params for method, params in bot.calls if method == "answerCallbackQuery"]


async def _option(page: Page, select: str, label: str) -> str:
    return await page.locator(f"select[name={select}] option", has_text=label).first.get_attribute("value")
