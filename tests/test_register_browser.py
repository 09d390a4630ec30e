"""Appeals that came outside the messengers, through the real back office in headless Chromium: a
clerk registers a walk-in appeal with a scan (a wrong file and a too large one refused first), prints
the receipt in the applicant's language, the deadline watch reminds and escalates it like a messenger
request, the answer given on paper is recorded and counts; back-dating beyond the clerk's three days
is refused and audited, the head may do it with a reason."""

import io
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from playwright.async_api import Page

from handlers.config import BISHKEK
from handlers.i18n import format_date
from handlers.reminders.service import Reminders
from storage.enums import AnswerForm, AuditOutcome, Language, RequestEventKind, RequestSource, RequestStatus
from storage.models import OutboxMessage, Person, Request, RequestEvent, RequestScan
from storage.types import utcnow
from tests.backoffice_world import add_request, audit_entries
from tests.test_backoffice_browser import browser, log_in, office, png, press  # noqa: F401  (fixtures)

APPEAL_TEXT = "Көчөбүздө үч күндөн бери суу жок. Кошуналар да кол койду."


def local_input(moment: datetime) -> str:
    return moment.astimezone(BISHKEK).strftime("%Y-%m-%dT%H:%M")


async def fill_appeal(page: Page, base: str, *, received_at: datetime, files: list[dict] | None = None,
                      reason: str = "") -> None:
    await page.goto(base + "/register")
    await page.fill("input[name=name]", "Жыпар Асанова")
    await page.select_option("select[name=quarter]", index=1)
    await page.fill("input[name=phone]", "0555 123 456")
    await page.select_option("select[name=language]", "ky")
    await page.select_option("select[name=source]", "reception")
    await page.fill("input[name=received_at]", local_input(received_at))
    await page.fill("input[name=backdate_reason]", reason)
    await page.select_option("select[name=category]", label="💧 Питьевая вода")
    await page.fill("textarea[name=text]", APPEAL_TEXT)
    await page.fill("input[name=signatories]", "12")
    if files:
        await page.set_input_files("input[name=scans]", files)


async def registered(service) -> list[Request]:
    async with service.db.reader() as session:
        return list((await session.scalars(sa.select(Request).where(Request.source != RequestSource.MESSENGER)
                                           .order_by(Request.id))).all())


async def events(service, request_id: int, kind: RequestEventKind) -> list[RequestEvent]:
    async with service.db.reader() as session:
        return list((await session.scalars(sa.select(RequestEvent).where(
            RequestEvent.request_id == request_id, RequestEvent.kind == kind))).all())


async def test_a_walk_in_appeal_is_registered_printed_reminded_and_answered_on_paper(office, browser):  # noqa: F811
    service, _world, base = office
    page = await browser.new_page()
    await log_in(page, base, "water.alm")
    received = utcnow() - timedelta(hours=2)
    scan = png()

    await fill_appeal(page, base, received_at=received, files=[
        {"name": "letter.txt", "mimeType": "image/png", "buffer": b"just words, not a scan"}])
    await press(page, "form.register button[type=submit]")
    assert "letter.txt" in await page.inner_text(".error") and "PDF, JPEG" in await page.inner_text(".error")
    assert await page.input_value("textarea[name=text]") == APPEAL_TEXT  # nothing typed is lost
    assert await page.input_value("input[name=name]") == "Жыпар Асанова"
    big = png() + b"\0" * (5 * 1024 * 1024)
    await page.set_input_files("input[name=scans]", [{"name": "big.png", "mimeType": "image/png", "buffer": big}])
    await press(page, "form.register button[type=submit]")
    assert "big.png" in await page.inner_text(".error") and "5 МБ" in await page.inner_text(".error")
    assert await registered(service) == []

    await page.set_input_files("input[name=scans]", [{"name": "арыз.png", "mimeType": "image/png", "buffer": scan}])
    await press(page, "form.register button[type=submit]")
    assert "зарегистрировано" in await page.inner_text(".done")
    [appeal] = await registered(service)
    assert appeal.source == RequestSource.RECEPTION and appeal.channel is None and appeal.signatories == 12
    assert appeal.language == Language.KY and not appeal.registered_late
    assert appeal.ticket in await page.inner_text("h1")
    assert "В приёмной лично" in await page.inner_text("dd.source")
    async with service.db.reader() as session:
        applicant = await session.get(Person, appeal.person_id)
        stored = await session.scalar(sa.select(RequestScan.data).where(RequestScan.request_id == appeal.id))
    assert (applicant.display_name, applicant.phone) == ("Жыпар Асанова", "+996555123456") and stored == scan
    origin = base.removesuffix("/office")
    fetched = await page.request.get(origin + await page.get_attribute("ul.scans a", "href"))
    assert fetched.status == 200 and await fetched.body() == scan and fetched.headers["content-type"] == "image/png"

    request_url = page.url
    receipt = page
    await receipt.goto(origin + await page.get_attribute("a.receipt-link", "href"))
    assert await receipt.get_attribute("html", "lang") == "ky"
    assert await receipt.inner_text("dd.ticket") == appeal.ticket
    assert await receipt.inner_text("dd.due") == format_date(appeal.due_date, Language.KY)
    assert "кайрылууңуз" in await receipt.content() and "+996555123456" in await receipt.inner_text("p.follow")

    reminders = Reminders(service.db, service.desk.config, clock=lambda: appeal.due_at - timedelta(hours=20))
    await reminders.watch_deadlines()
    assert len(await events(service, appeal.id, RequestEventKind.REMINDED)) == 1
    assert len(await events(service, appeal.id, RequestEventKind.ESCALATED)) == 1
    async with service.db.reader() as session:
        to_head = (await session.scalars(sa.select(OutboxMessage.payload["text"].as_string()).where(
            OutboxMessage.address == "console:head.alm"))).all()
    assert any(appeal.ticket in text for text in to_head)

    await page.goto(request_url)
    today = utcnow().astimezone(BISHKEK).date()
    await page.select_option("#form-answered select[name=form]", "paper")
    await page.fill("#form-answered input[name=given_on]", (today + timedelta(days=1)).isoformat())
    await page.fill("#form-answered textarea[name=text]", "Суу 5-декабрда берилди, жооп кат менен берилди.")
    await press(page, "#form-answered button[type=submit]")
    assert "не раньше обращения" in await page.inner_text(".error")  # a date in the future is refused
    await page.fill("#form-answered input[name=given_on]", today.isoformat())
    await page.check("#form-answered input[name=resolve]")
    await press(page, "#form-answered button[type=submit]")
    assert "учитывает его как отвеченное" in await page.inner_text(".done")
    assert "На бумаге" in await page.inner_text("dd.answered")
    async with service.db.reader() as session:
        answered = await session.get(Request, appeal.id)
    assert answered.answer_form == AnswerForm.PAPER and answered.status == RequestStatus.RESOLVED
    assert answered.answered_at is not None

    overdue = Reminders(service.db, service.desk.config, clock=lambda: appeal.due_at + timedelta(hours=1))
    await overdue.watch_deadlines()
    assert len(await events(service, appeal.id, RequestEventKind.ESCALATED)) == 1  # answered: not overdue

    await check_the_journal(service, page, base, appeal)
    await page.close()


async def check_the_journal(service, page: Page, base: str, appeal: Request) -> None:
    """The journal lists the paper appeal beside a messenger request; the export's cells are the data's."""
    async with service.db.transaction() as session:
        messenger = await add_request(session, "ALM", "Нет воды на улице Мира")
    await page.goto(base + "/requests")  # one list for both
    listed = await page.inner_text("table.requests tbody")
    assert appeal.ticket in listed and messenger.ticket in listed and "В приёмной лично" in listed
    await press(page, "a[href$=\"/journal\"]")
    rows = page.locator("table.journal tbody tr")
    assert await rows.count() == 2
    await page.select_option("select[name=source]", "reception")
    await press(page, "form.filters button[type=submit]")
    assert await rows.count() == 1 and appeal.ticket in await rows.first.inner_text()
    journal_url = page.url
    await page.goto(base.removesuffix("/office") + await page.get_attribute("a.journal-print", "href"))
    assert await page.locator("header.top").count() == 0 and await rows.count() == 1  # the print view
    assert appeal.ticket in await page.inner_text("table.journal")
    await page.goto(journal_url)
    async with page.expect_download() as download_info:
        await page.click("a.journal-xlsx")
    sheet = load_workbook(io.BytesIO(Path(await (await download_info.value).path()).read_bytes())).active
    header, *data = list(sheet.iter_rows(values_only=True))
    assert header == ("Регистрационный номер", "Зарегистрировано", "Поступило", "Заявитель", "Адрес", "Как поступило",
                      "Подписавших", "Краткое содержание", "Исполнитель", "Срок", "Продлено до", "Дата ответа",
                      "Форма ответа", "Итог")
    async with service.db.reader() as session:
        stored = await session.get(Request, appeal.id)
    [row] = data
    cell = dict(zip(header, row, strict=True))
    local = lambda moment: moment.astimezone(BISHKEK).replace(tzinfo=None, microsecond=0)  # noqa: E731
    assert cell["Регистрационный номер"] == stored.ticket
    assert cell["Зарегистрировано"].replace(microsecond=0) == local(stored.created_at)
    assert cell["Поступило"].replace(microsecond=0) == local(stored.received_at)
    assert cell["Заявитель"] == "Жыпар Асанова" and cell["Как поступило"] == "В приёмной лично"
    assert cell["Подписавших"] == 12 and cell["Краткое содержание"] == APPEAL_TEXT
    assert cell["Исполнитель"] == "МП «Питьевая вода»" and cell["Срок"].date() == stored.due_date
    assert cell["Продлено до"] is None and cell["Форма ответа"] == "На бумаге" and cell["Итог"] == "Решено"
    assert cell["Дата ответа"].replace(microsecond=0) == local(stored.answered_at)
    assert [e.detail for e in await audit_entries(service.db, "export")] == [{"journal": True, "rows": 1}]
    await page.goto(base + "/dashboard")
    assert await page.inner_text(".by-source .count-reception") == "1"
    assert await page.inner_text(".by-source .count-messenger") == "1"


async def test_back_dating_beyond_the_clerks_days_is_refused_the_head_gives_a_reason(office, browser):  # noqa: F811
    service, _world, base = office
    clerk = await browser.new_page()
    await log_in(clerk, base, "water.alm")
    long_ago = utcnow() - timedelta(days=6)
    await fill_appeal(clerk, base, received_at=long_ago)
    await press(clerk, "form.register button[type=submit]")
    assert "не более чем на 3 дня" in await clerk.inner_text(".error")
    assert await registered(service) == []
    [refusal] = await audit_entries(service.db, "register")
    assert refusal.outcome == AuditOutcome.REFUSED

    head = await browser.new_page()
    await log_in(head, base, "head.alm")
    await fill_appeal(head, base, received_at=long_ago)
    await press(head, "form.register button[type=submit]")
    assert "нужна причина" in await head.inner_text(".error")
    await head.fill("input[name=backdate_reason]", "Письмо лежало в почтовом ящике с пятницы")
    await press(head, "form.register button[type=submit]")
    [appeal] = await registered(service)
    assert appeal.registered_late  # six days after its receipt
    assert "зарегистрировано с опозданием" in await head.inner_text(".late-registration")
    allowed = [e for e in await audit_entries(service.db, "register") if e.outcome == AuditOutcome.ALLOWED]
    assert [e.detail["backdate_reason"] for e in allowed] == ["Письмо лежало в почтовом ящике с пятницы"]

    await clerk.goto(head.url)  # erasing an applicant's data: the head's, not the clerk's
    assert await clerk.locator("#form-erase").count() == 0
    await press(head, "#form-erase button[type=submit]")  # the confirmation box left empty: nothing done
    assert "Отметьте" in await head.inner_text("#form-erase .error")
    await head.check("#form-erase input[name=confirm]")
    await press(head, "#form-erase button[type=submit]")
    assert "удалены" in await head.inner_text(".done")
    async with service.db.reader() as session:
        applicant = await session.get(Person, appeal.person_id)
    assert (applicant.display_name, applicant.phone, applicant.quarter_id) == (None, None, None)
    assert "Жыпар" not in await head.inner_text("dl.facts")
    await clerk.close()
    await head.close()
