"""The back office in a real headless Chromium (Debian's, driven by Playwright), against the
running service with the fake Telegram Bot API: a resident writes through the bot, a staff
member logs in, filters, opens the request, answers, and the resident gets the answer.
The refusals (wrong password, lock-out, another municipality, forged form) are checked in
the browser too; scripts/chromium.sh installs the browser."""

import io
import struct
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.async_api import Locator, Page, async_playwright

from handlers.legal.questions import QuestionDraft, do_submit_question
from handlers.services import setup
from storage.enums import AuditOutcome, Channel, Language, LegalTopic, Role
from storage.models import Person, Request, RequestAttachment
from storage.types import utcnow
from tests.backoffice_world import PASSWORD, add_request, add_staff, audit_entries, build_world, start_service
from tests.conftest import TELEGRAM_TOKEN
from tests.core_config import core_config
from tests.telegram_user import TelegramUser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RESIDENT_TEXT = 'Нет воды третий день <script>alert("xss")</script> <b>срочно</b>'


def png(width: int = 3, height: int = 2) -> bytes:
    """A real (tiny, red) PNG, so the browser can decode the photo it is shown."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


@pytest.fixture
async def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/chromium.sh (scripts/test.sh does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def office(db_url, fake_api):
    service, base = await start_service(db_url, fake_api.base_url, TELEGRAM_TOKEN)
    world = await build_world(service.db)
    yield service, world, base
    await service.stop()


async def press(page: Page, selector: str) -> None:
    """Clicks what submits a form or follows a link, and waits for the page it leads to to load.
    (Playwright's click waits until that navigation has begun; what is read next is read from the
    whole new page, after its load event, not from a page the browser is still parsing.)"""
    await page.click(selector)
    await page.wait_for_load_state("load")


async def decoded_width(image: Locator) -> int:
    """The natural width of an <img> once the browser has fetched and decoded it. The photos are
    lazily loaded: scrolled to, as a person would; ``decode()`` settles on the image's load, however
    long that takes (the page's CSP forbids the eval that ``wait_for_function`` would poll with)."""
    await image.scroll_into_view_if_needed()
    return await image.evaluate("img => img.decode().then(() => img.naturalWidth)")


async def log_in(page: Page, base: str, login: str, password: str = PASSWORD) -> None:
    await page.goto(base + "/login")
    await page.fill("input[name=login]", login)
    await page.fill("input[name=password]", password)
    await press(page, "form[action$=\"/login\"] button[type=submit]")


async def submit_through_telegram(fake_api) -> tuple[TelegramUser, str]:
    """A resident's request with a photo, written through the real bot."""
    bot = fake_api.bot(TELEGRAM_TOKEN)
    user = TelegramUser(bot, chat_id=7001)
    await user.say("Здравствуйте")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Аламудунский айыл окмоту")  # two municipalities now: the resident picks theirs
    await user.press("Кара-Джигач")
    await user.say("2")  # a new resident goes straight to the categories
    await user.press("Питьевая вода")
    await user.say(RESIDENT_TEXT)
    await user.send(bot.photo_update(user.chat_id, file_id=bot._new_file("photo", data=png())["file_id"]))
    await user.location(42.87, 74.60)
    done = await user.press("Отправить")
    return user, done.text.split("номер: ")[1].split(".")[0]


async def test_a_staff_member_answers_a_telegram_request_in_the_browser(office, fake_api, browser):
    service, _world, base = office
    user, ticket = await submit_through_telegram(fake_api)
    async with service.db.transaction() as session:
        other = await add_request(session, "ALM", "Дорога разбита у моста", category="roads")
    page = await browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))

    await log_in(page, base, "head.alm")
    assert await page.inner_text("h1") == "Обращения"
    assert await page.locator("table.requests tbody tr").count() == 2  # Alamudun's two; none of Tokmok's
    await page.select_option("select[name=category]", label="💧 Питьевая вода")
    await page.fill("input[name=q]", "третий день")
    await press(page, "form.filters button[type=submit]")
    rows = page.locator("table.requests tbody tr")
    assert await rows.count() == 1 and ticket in await rows.first.inner_text()
    assert other.ticket not in await page.content()
    assert "category=" in page.url and "q=" in page.url

    await press(page, f"text={ticket}")
    assert await page.inner_text(".description") == RESIDENT_TEXT  # shown as text, never run
    assert await page.locator(".description b").count() == 0 and dialogs == []
    assert await decoded_width(page.locator(".attachments img")) == 3  # fetched via Telegram
    assert "openstreetmap.org" in await page.get_attribute("a[href*=openstreetmap]", "href")

    before = len(user.bot.sent_to(user.chat_id))
    await page.fill("#form-answer textarea[name=text]", "Воду дадут завтра к 10:00. Приносим извинения.")
    await press(page, "#form-answer button[type=submit]")
    assert await page.inner_text(".done") == "Ответ отправлен жителю."
    assert "Воду дадут завтра к 10:00" in await page.inner_text("ol.events")
    sent = await user.bot.wait_sent(user.chat_id, before + 1)
    assert "Воду дадут завтра к 10:00. Приносим извинения." in sent[-1].text and ticket in sent[-1].text

    await press(page, "button[value=ky]")  # the interface switches to Kyrgyz and stays so
    assert "Кайрылуунун тексти" in await page.content() and "Текст обращения" not in await page.content()
    await press(page, "text=Көрсөткүчтөр")
    assert await page.inner_text("h1") == "Көрсөткүчтөр"
    assert await page.locator("svg.chart rect.bar").count() >= 3
    await page.close()


async def test_refusals_in_the_browser(office, browser):
    service, world, base = office
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", "Нет воды на улице Мира")
    page = await browser.new_page()
    await log_in(page, base, "head.alm", "wrong password")
    assert await page.inner_text(".error") == "Логин же сырсөз туура эмес."
    for _ in range(5):
        await log_in(page, base, "water.alm", "wrong password")
    await log_in(page, base, "water.alm")  # right password, but five failures locked the account
    assert "бөгөттөлдү" in await page.inner_text(".error")

    await log_in(page, base, "head.alm")
    await page.goto(f"{base}/requests/{world.tkm_request_id}")  # another municipality's id typed in
    assert await page.inner_text(".error") == "Такой страницы нет, или у вас нет к ней доступа."
    assert "Токмок" not in await page.content()

    await page.goto(f"{base}/requests/{request.id}")
    await page.evaluate("document.querySelector('#form-answer input[name=csrf]').remove()")
    await page.fill("#form-answer textarea[name=text]", "Ответ без токена")
    await press(page, "#form-answer button[type=submit]")
    assert "ничего не сделано" in await page.inner_text(".error")
    async with service.db.reader() as session:
        assert (await session.get(Request, request.id)).answered_at is None
    assert [e.outcome for e in await audit_entries(service.db, "csrf")] == [AuditOutcome.REFUSED]

    await page.goto(f"{base}/requests?category=1&q=Мира")
    async with page.expect_download() as download_info:
        await page.click("text=Выгрузить в Excel (XLSX)")
    download = await download_info.value
    sheet = load_workbook(io.BytesIO(Path(await download.path()).read_bytes())).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [request.ticket]

    tokmok = await browser.new_page()  # a session cookie of another municipality's account
    await log_in(tokmok, base, "head.tkm")
    assert "Секрет Токмока" in await tokmok.content()
    await tokmok.goto(f"{base}/requests/{request.id}")
    assert "Нет воды на улице Мира" not in await tokmok.content()
    assert "Такой страницы нет" in await tokmok.inner_text(".error") or "Мындай бет жок" in await tokmok.inner_text(
        ".error")
    await page.close()
    await tokmok.close()


async def test_an_attachment_of_a_request_not_seen_is_not_fetched(office, fake_api, browser):
    """Department staff see their department's requests only; a file id typed in shows nothing."""
    service, _world, base = office
    bot = fake_api.bot(TELEGRAM_TOKEN)
    file_id = bot._new_file("photo", data=png())["file_id"]
    async with service.db.transaction() as session:
        roads = await add_request(session, "ALM", "Яма", category="roads",
                                  attachments=[{"kind": "photo", "ref": file_id, "mime_type": "image/jpeg"}],
                                  channel=Channel.TELEGRAM)
        attachment = await session.scalar(sa.select(RequestAttachment.id).where(RequestAttachment.request_id == roads.id))
    page = await browser.new_page()
    await log_in(page, base, "water.alm")
    response = await page.goto(f"{base}/requests/{roads.id}/attachments/{attachment}")
    assert response.status == 404 and b"\x89PNG" not in await response.body()
    head = await browser.new_page()
    await log_in(head, base, "head.alm")
    response = await head.goto(f"{base}/requests/{roads.id}/attachments/{attachment}")
    assert response.status == 200 and (await response.body()).startswith(b"\x89PNG")
    await page.close()
    await head.close()


async def test_a_lawyer_sees_the_document_photo_of_a_question_and_nobody_else_fetches_it(office, fake_api, browser):
    service, _world, base = office
    bot = fake_api.bot(TELEGRAM_TOKEN)
    file_id = bot._new_file("photo", data=png())["file_id"]
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "lawyer.alm", Role.LAWYER, name="Бермет Юрист")
        alm = await setup.municipality_by_code(session, "ALM")
        asker = Person(municipality_id=alm.id, language=Language.RU, consent_at=utcnow())
        session.add(asker)
        await session.flush()
        question = await do_submit_question(
            session, core_config(), person=asker, channel=Channel.TELEGRAM, language=Language.RU,
            draft=QuestionDraft(LegalTopic.LAND, "Мне отказали в регистрации участка, вот справка.",
                                [{"kind": "photo", "ref": file_id, "mime_type": "image/jpeg"}], confidential=False),
            now=utcnow())
    lawyer = await browser.new_page()
    await log_in(lawyer, base, "lawyer.alm")
    await lawyer.goto(f"{base}/legal/{question.id}")
    assert await decoded_width(lawyer.locator("ul.attachments img")) == 3  # the PNG, decoded by the browser
    staff = await browser.new_page()
    await log_in(staff, base, "water.alm")
    response = await staff.goto(f"{base}/legal/{question.id}/attachments/1")
    assert response.status == 403 and b"\x89PNG" not in await response.body()
    response = await lawyer.goto(f"{base}/legal/{question.id}/attachments/2")  # no second photo
    assert response.status == 404
    await lawyer.close()
    await staff.close()


async def test_a_lawyer_adds_a_term_in_the_browser(office, browser):
    service, _world, base = office
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "lawyer.alm", Role.LAWYER, name="Бермет Юрист")
    page = await browser.new_page()
    await log_in(page, base, "lawyer.alm")
    await page.goto(f"{base}/legal")
    await press(page, "a[href$=\"/legal/terms\"]")
    await page.fill("#term-add input[name=concept]", "vacation_pay")
    await page.fill("#term-add input[name=term]", "отпускные выплаты")
    await press(page, "#term-add button[type=submit]")
    assert await page.locator(".done").count() == 1
    assert "отпускные выплаты" in await page.locator("#concept-vacation_pay").inner_text()
    assert [e.detail["term"] for e in await audit_entries(service.db, "term_add")] == ["отпускные выплаты"]
    await page.close()
