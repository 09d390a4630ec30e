"""The web back office over HTTP, against the running service and a real database: log-in,
lock-out, sessions of another municipality, forged forms, ids typed into the URL, escaping,
exports, bad input. (The same paths in a real browser: test_backoffice_browser.py.)"""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from storage.enums import AuditOutcome, RequestEventKind, Role
from storage.models import OutboxMessage, RequestAttachment, RequestEvent, StaffAccount, StaffSession
from storage.types import utcnow
from tests.backoffice_world import OfficeClient, add_request, add_staff, audit_entries, build_world, start_service


@pytest.fixture
async def office(db_url):
    service, base = await start_service(db_url)
    world = await build_world(service.db)
    clients: list[OfficeClient] = []

    def client() -> OfficeClient:
        clients.append(OfficeClient(base))
        return clients[-1]

    yield service, world, client
    for made in clients:
        await made.close()
    await service.stop()


async def _events(db, request_id: int) -> list[RequestEventKind]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(RequestEvent.kind).where(RequestEvent.request_id == request_id)
                                           .order_by(RequestEvent.id))).all())


async def _outbox_count(db) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))


async def test_pages_need_a_session_and_a_post_without_one_changes_nothing(office):
    service, world, client = office
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", "Нет воды")
    browser = client()
    status, page = await browser.get("/requests")
    assert status == 200 and 'name="password"' in page  # redirected to the log-in form
    before = await _events(service.db, request.id)
    status, page = await browser.post(f"/requests/{request.id}/answer", {"text": "Вода будет завтра"})
    assert 'name="password"' in page
    assert await _events(service.db, request.id) == before
    assert [e.outcome for e in await audit_entries(service.db, "post_without_session")] == [AuditOutcome.REFUSED]


async def test_wrong_password_is_refused_politely_and_logged(office):
    service, _world, client = office
    browser = client()
    status, page = await browser.log_in("head.alm", "not the password")
    assert status == 401 and "Логин же сырсөз туура эмес." in page  # the interface starts in Kyrgyz
    status, page = await browser.log_in("nobody.here", "whatever it is")
    assert status == 401 and "Логин же сырсөз туура эмес." in page
    refusals = await audit_entries(service.db, "log_in")
    assert [(e.outcome, e.detail["reason"]) for e in refusals] == [
        (AuditOutcome.REFUSED, "wrong_password"), (AuditOutcome.REFUSED, "unknown_login")]
    assert "not the password" not in str([e.detail for e in refusals])
    assert (await browser.get("/requests"))[1].count('name="password"') == 1


async def test_five_failures_lock_the_account_for_fifteen_minutes(office):
    service, _world, client = office
    browser = client()
    for _ in range(4):
        assert (await browser.log_in("water.alm", "wrong password"))[0] == 401
    status, page = await browser.log_in("water.alm", "wrong password")
    assert status == 401 and "бөгөттөлдү" in page
    status, page = await browser.log_in("water.alm")  # the right password, but locked
    assert status == 401 and "бөгөттөлдү" in page
    reasons = [e.detail["reason"] for e in await audit_entries(service.db, "log_in")]
    assert reasons == ["wrong_password"] * 4 + ["locked", "locked"]
    async with service.db.transaction() as session:  # fifteen minutes later
        account = await session.scalar(sa.select(StaffAccount).where(StaffAccount.login == "water.alm"))
        assert account.locked_until - utcnow() > timedelta(minutes=14)
        account.locked_until = utcnow() - timedelta(seconds=1)
    status, page = await browser.log_in("water.alm")
    assert status == 200 and "Обращения" in page  # the account's language is Russian


async def test_a_session_of_another_municipality_sees_nothing_of_this_one(office):
    service, world, client = office
    async with service.db.transaction() as session:
        alm_request = await add_request(session, "ALM", "Алмалык: течёт кран у школы")
    tokmok = client()
    await tokmok.log_in("head.tkm")
    status, page = await tokmok.get("/requests")
    assert "Секрет Токмока" in page and "течёт кран" not in page
    status, page = await tokmok.get(f"/requests/{alm_request.id}")
    assert status == 404 and "течёт кран" not in page and "Такой страницы нет" in page
    before = await _events(service.db, alm_request.id)
    status, _ = await tokmok.post(f"/requests/{alm_request.id}/answer",
                                  {"csrf": await tokmok.csrf(), "text": "Не ваше дело"})
    assert status == 404 and await _events(service.db, alm_request.id) == before
    _status, exported = await tokmok.get("/requests/export.csv")
    assert "течёт кран" not in exported and "Секрет Токмока" in exported
    refused = [e for e in await audit_entries(service.db) if e.outcome == AuditOutcome.REFUSED]
    assert {(e.action, e.object_id) for e in refused} >= {("view", alm_request.id), ("answer", alm_request.id)}


async def test_a_request_id_of_another_municipality_typed_into_the_url_is_not_found(office):
    service, world, client = office
    head = client()
    await head.log_in("head.alm")
    for path in (f"/requests/{world.tkm_request_id}", f"/requests/{world.tkm_request_id}/attachments/1"):
        status, page = await head.get(path)
        assert status == 404 and "Секрет Токмока" not in page
    status, page = await head.post(f"/requests/{world.tkm_request_id}/take", {"csrf": await head.csrf()})
    assert status == 404 and "Секрет Токмока" not in page
    assert await _events(service.db, world.tkm_request_id) == [RequestEventKind.CREATED, RequestEventKind.ROUTED]
    refused = [(e.action, e.object_id, e.municipality_id) for e in await audit_entries(service.db)
               if e.outcome == AuditOutcome.REFUSED]
    assert ("view", world.tkm_request_id, world.alm_id) in refused
    assert ("take", world.tkm_request_id, world.alm_id) in refused


async def test_a_forged_post_without_the_csrf_token_does_nothing(office):
    service, world, client = office
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", "Нет воды третий день")
    head, other = client(), client()
    await head.log_in("head.alm")
    await other.log_in("water.alm")
    before, events = await _outbox_count(service.db), await _events(service.db, request.id)
    for form in ({"text": "Подделка"}, {"text": "Подделка", "csrf": ""},
                 {"text": "Подделка", "csrf": await other.csrf()}):  # a token of another session
        status, page = await head.post(f"/requests/{request.id}/answer", form)
        assert status == 403 and "защитный токен" in page
    assert await _events(service.db, request.id) == events
    assert await _outbox_count(service.db) == before
    assert len([e for e in await audit_entries(service.db, "csrf") if e.outcome == AuditOutcome.REFUSED]) == 3
    status, _ = await head.post("/logout", {})  # a forged log-out is refused too
    assert status == 403 and (await head.get("/requests"))[0] == 200


async def test_html_in_a_residents_text_is_shown_escaped(office):
    service, _world, client = office
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)> & <b>жирный</b>'
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", evil, resident='<i>Хакер</i>')
    head = client()
    await head.log_in("head.alm")
    for path in ("/requests", f"/requests/{request.id}"):
        status, page = await head.get(path)
        assert status == 200
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>жирный" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "&lt;i&gt;Хакер&lt;/i&gt;" in page


async def test_exports_hold_exactly_the_filtered_rows(office):
    service, _world, client = office
    async with service.db.transaction() as session:
        water = [await add_request(session, "ALM", f"Вода {n}", category="water") for n in range(3)]
        await add_request(session, "ALM", "Дорога разбита", category="roads")
        formula = await add_request(session, "ALM", '=HYPERLINK("http://evil","нажми")', category="water")
    head = client()
    await head.log_in("head.alm")
    category = await _category_id(service.db, "water")
    status, body, content_type = await head.get_bytes(f"/requests/export.xlsx?category={category}")
    assert status == 200 and content_type.startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Номер" and rows[0][-1] == "Текст"
    assert sorted(r[0] for r in rows[1:]) == sorted(r.ticket for r in water + [formula])
    # the formula-looking text is a text cell shown as typed: no apostrophe, Excel's quote prefix style
    [cell] = [row[-1] for row in sheet.iter_rows(min_row=2) if row[0].value == formula.ticket]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ('=HYPERLINK("http://evil","нажми")', "s", True)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()  # no formula anywhere
    status, body, content_type = await head.get_bytes(f"/requests/export.csv?category={category}&q=Вода 1")
    assert status == 200 and content_type.startswith("text/csv")
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r[0] for r in table[1:]] == [water[1].ticket] and table[1][-1] == "Вода 1"
    assert [e.detail["rows"] for e in await audit_entries(service.db, "export")] == [4, 1]


async def _category_id(db, code: str) -> int:
    from storage.models import Category
    async with db.reader() as session:
        return await session.scalar(sa.select(Category.id).where(Category.municipality_id == 1, Category.code == code))


async def test_bad_text_is_answered_in_the_visitors_language_and_kept(office):
    service, _world, client = office
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", "Нет воды")
    head = client()
    await head.log_in("head.alm")
    csrf = await head.csrf()
    before = await _outbox_count(service.db)
    status, page = await head.post(f"/requests/{request.id}/answer", {"csrf": csrf, "text": "   "})
    assert status == 400 and "Текст пустой или слишком длинный" in page
    long_answer = "Ответ " + "очень " * 1000
    status, page = await head.post(f"/requests/{request.id}/answer", {"csrf": csrf, "text": long_answer})
    assert status == 400 and long_answer.strip() in page  # the typed text is still in its box
    status, page = await head.post(f"/requests/{request.id}/extend", {"csrf": csrf, "days": "много", "text": "x"})
    assert status == 400 and "Укажите число дней" in page
    assert await _outbox_count(service.db) == before


async def test_a_quarter_head_may_note_but_not_answer(office):
    service, _world, client = office
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", "Яма во дворе", quarter_no=1)
    kvartal = client()
    await kvartal.log_in("kvartal.alm")
    status, page = await kvartal.get(f"/requests/{request.id}")
    assert status == 200 and f"/requests/{request.id}/note" in page and f"/requests/{request.id}/answer" not in page
    csrf = await kvartal.csrf()
    status, page = await kvartal.post(f"/requests/{request.id}/answer", {"csrf": csrf, "text": "Сделаем"})
    assert status == 403 and "Ваша роль не позволяет" in page
    status, page = await kvartal.post(f"/requests/{request.id}/note", {"csrf": csrf, "text": "Был на месте"},
                                      allow_redirects=True)
    assert status == 200 and "Внутренняя заметка сохранена" in page and "Был на месте" in page
    assert (await _events(service.db, request.id))[-1] == RequestEventKind.NOTE


async def test_logging_out_ends_the_session(office):
    service, _world, client = office
    head = client()
    await head.log_in("head.alm")
    async with service.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 1
    await head.post("/logout", {"csrf": await head.csrf()})
    assert 'name="password"' in (await head.get("/requests"))[1]
    async with service.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(StaffSession)) == 0


async def test_a_person_with_roles_in_two_municipalities_chooses_one_at_log_in(office):
    service, world, client = office
    async with service.db.transaction() as session:
        await add_staff(session, "TKM", "head.alm", Role.HEAD)  # the Alamudun head also serves Tokmok
    head = client()
    status, page = await head.log_in("head.alm")
    assert "Выберите муниципалитет" in page and "Мэрия города Токмок" in page
    csrf = await head.csrf("/choose")
    status, page = await head.post("/choose", {"csrf": csrf, "municipality": str(world.tkm_id)})
    assert status == 200 and "Секрет Токмока" in page
    status, page = await head.post("/choose", {"csrf": csrf, "municipality": "999"})
    assert status == 403 and "Ваша роль не позволяет" in page
    assert "Секрет Токмока" in (await head.get("/requests"))[1]  # still in Tokmok
    refused = [e for e in await audit_entries(service.db, "choose_municipality") if e.outcome == AuditOutcome.REFUSED]
    assert [e.object_id for e in refused] == [999]


async def test_a_file_from_a_channel_that_is_off_is_explained_not_broken(office):
    service, _world, client = office
    async with service.db.transaction() as session:
        request = await add_request(session, "ALM", "Фото ямы",
                                    attachments=[{"kind": "photo", "ref": "AgAC-1", "mime_type": "image/jpeg"}])
        attachment = await session.scalar(sa.select(RequestAttachment.id)
                                          .where(RequestAttachment.request_id == request.id))
    head = client()
    await head.log_in("head.alm")
    status, page = await head.get(f"/requests/{request.id}")
    assert f"/requests/{request.id}/attachments/{attachment}" in page
    status, page = await head.get(f"/requests/{request.id}/attachments/{attachment}")
    assert status == 502 and "Сейчас не удаётся получить файл из мессенджера." in page


async def test_a_list_longer_than_the_count_limit_says_more_than(office, monkeypatch):
    from handlers.staff import views
    monkeypatch.setattr(views, "TOTAL_COUNTED", 2)
    service, world, client = office
    async with service.db.transaction() as session:
        for n in range(51):  # one more than a page of 50, the least the list counts
            await add_request(session, "ALM", f"Нет воды, дом {n}")
    browser = client()
    await browser.log_in("head.alm")
    status, page = await browser.get("/requests?language=ru")
    assert status == 200 and "Найдено больше 50 обращений" in page
    assert "Страница 1 из" not in page and "Страница 1" in page
