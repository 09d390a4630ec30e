"""The holidays page: the administrator sees the upcoming public holidays (also those the command
line added, through the same service), adds one with its Kyrgyz and Russian names, removes one not
yet past; a past holiday, a bad day and a non-administrator are refused and change nothing."""

from datetime import date

import sqlalchemy as sa

from backoffice.admin_cli import run_admin
from storage.db import Database
from storage.enums import AuditOutcome
from storage.models import Holiday
from tests.backoffice_world import audit_entries
from tests.setup_world import office, staffed_office  # noqa: F401 - fixtures


async def _holidays(db) -> dict[date, str]:
    async with db.reader() as session:
        return {h.day: h.name_ru for h in (await session.scalars(sa.select(Holiday))).all()}


async def _open(url: str) -> Database:
    return Database(url)


async def test_the_administrator_adds_and_removes_holidays_beside_the_command_line(office, db_url):
    service, _world, client = office
    assert await run_admin(["holiday", "add", "2030-02-12", "--ky", "Сынак күнү", "--ru", "Пробный день"],
                           lambda: _open(db_url)) == 0
    browser = await client("admin.alm")
    csrf = await browser.csrf("/setup/holidays")
    status, page = await browser.get("/setup/holidays")
    assert status == 200 and "2030-02-12" in page and "Пробный день" in page
    assert "2026-01-01" not in page  # a past holiday is not listed

    status, page = await browser.post("/setup/holidays", {"csrf": csrf, "day": "2030-02-13",
                                                          "name_ky": "Айыл күнү", "name_ru": "День села"})
    assert status == 200 and "Праздник добавлен" in page and "День села" in page
    assert (await _holidays(service.db))[date(2030, 2, 13)] == "День села"

    before = await _holidays(service.db)
    for form, message in (({"day": "2030-02-13", "name_ky": "Экинчи", "name_ru": "Второй"}, "уже праздничный"),
                          ({"day": "2020-05-05", "name_ky": "Эски", "name_ru": "Старый"}, "начиная с сегодняшней"),
                          ({"day": "13.02.2030", "name_ky": "Бузук", "name_ru": "Неверный"}, "например 2027-01-07"),
                          ({"day": "2030-02-14", "name_ky": "Жалгыз", "name_ru": ""}, "на кыргызском и на русском")):
        status, page = await browser.post("/setup/holidays", {"csrf": csrf, **form})
        assert status == 400 and message in page, form
    assert await _holidays(service.db) == before

    async with service.db.reader() as session:
        ids = {h.day: h.id for h in (await session.scalars(sa.select(Holiday))).all()}
    status, page = await browser.post(f"/setup/holidays/{ids[date(2030, 2, 12)]}/remove", {"csrf": csrf})
    assert status == 200 and "Пробный день" not in page
    status, page = await browser.post(f"/setup/holidays/{ids[date(2026, 1, 1)]}/remove", {"csrf": csrf})
    assert status == 404  # past: deadlines were counted with it
    after = await _holidays(service.db)
    assert date(2030, 2, 12) not in after and date(2026, 1, 1) in after
    refused = [e.action for e in await audit_entries(service.db) if e.outcome == AuditOutcome.REFUSED]
    assert refused == ["setup_remove_holiday"]


async def test_a_head_cannot_change_the_holidays(office):
    service, _world, client = office
    head = await client("head.alm")
    csrf = await head.csrf("/requests")
    before = await _holidays(service.db)
    status, _page = await head.get("/setup/holidays")
    assert status == 403
    status, _page = await head.post("/setup/holidays", {"csrf": csrf, "day": "2030-02-13", "name_ky": "Айыл күнү",
                                                        "name_ru": "День села"})
    assert status == 403
    async with service.db.reader() as session:
        first = await session.scalar(sa.select(Holiday.id).order_by(Holiday.day.desc()).limit(1))
    status, _page = await head.post(f"/setup/holidays/{first}/remove", {"csrf": csrf})
    assert status == 403 and await _holidays(service.db) == before
    refused = await audit_entries(service.db, "setup")
    assert len(refused) == 3 and {e.outcome for e in refused} == {AuditOutcome.REFUSED}
