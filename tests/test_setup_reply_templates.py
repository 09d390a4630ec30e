"""The reply templates page: the administrator adds, edits and removes the municipality's templates
(a title, the text in Kyrgyz and in Russian, its lines kept); staff then find them on the request
page. Another municipality's template and a non-administrator are refused, audited, and change nothing."""

import sqlalchemy as sa

from handlers.services.reply_templates import TemplateText, do_add_reply_template
from storage.enums import AuditOutcome
from storage.models import ReplyTemplate
from tests.backoffice_world import add_request, audit_entries
from tests.setup_world import office, staffed_office  # noqa: F401 - fixtures

PIPE_KY = "Түтүк оңдолду.\nСуу кайра келди."
PIPE_RU = "Трубу починили.\nВода снова есть."


async def _templates(db, municipality_id: int) -> dict[str, tuple[str, str]]:
    async with db.reader() as session:
        rows = await session.scalars(sa.select(ReplyTemplate).where(ReplyTemplate.municipality_id == municipality_id))
        return {t.title: (t.text_ky, t.text_ru) for t in rows.all()}


async def _template_id(db, title: str) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(ReplyTemplate.id).where(ReplyTemplate.title == title))


async def test_the_administrator_keeps_the_templates_staff_answer_from(office):
    service, world, client = office
    async with service.db.transaction() as session:
        request_id = (await add_request(session, "ALM", "Нет воды")).id
    admin = await client("admin.alm")
    csrf = await admin.csrf("/setup/templates")
    status, page = await admin.post("/setup/templates", {"csrf": csrf, "title": "Түтүк", "title_ru": "Труба ",
                                                         "text_ky": PIPE_KY + "\r\n", "text_ru": PIPE_RU})
    assert status == 200 and "Шаблон ответа сохранён" in page and "Трубу починили." in page
    assert (await _templates(service.db, world.alm_id))["Түтүк"] == (PIPE_KY, PIPE_RU)
    status, page = await admin.get(f"/requests/{request_id}")  # a Russian page: the Russian title
    assert status == 200 and ">Труба</a>" in page and ">Түтүк</a>" not in page
    pipe = await _template_id(service.db, "Түтүк")
    status, page = await admin.post(f"/setup/templates/{pipe}", {"csrf": csrf, "title": "Труба", "title_ru": "",
                                                                 "text_ky": PIPE_KY, "text_ru": PIPE_RU})
    assert status == 200 and (await _templates(service.db, world.alm_id))["Труба"] == (PIPE_KY, PIPE_RU)
    head = await client("head.alm")
    status, page = await head.get(f"/requests/{request_id}")
    assert status == 200 and ">Труба</a>" in page  # one title for both languages

    pipe = await _template_id(service.db, "Труба")
    status, page = await admin.post(f"/setup/templates/{pipe}", {"csrf": csrf, "title": "Труба починена",
                                                                 "text_ky": PIPE_KY, "text_ru": "Починили."})
    assert status == 200 and (await _templates(service.db, world.alm_id))["Труба починена"] == (PIPE_KY, "Починили.")
    status, page = await admin.post(f"/setup/templates/{pipe}", {"csrf": csrf, "title": "Пусто", "text_ky": PIPE_KY,
                                                                 "text_ru": "  "})
    assert status == 400 and "текст на кыргызском и на русском" in page
    assert "Пусто" not in await _templates(service.db, world.alm_id)

    status, page = await admin.post(f"/setup/templates/{pipe}/remove", {"csrf": csrf})
    assert status == 200 and "Труба починена" not in await _templates(service.db, world.alm_id)
    status, page = await head.get(f"/requests/{request_id}")
    assert status == 200 and "Труба починена" not in page


async def test_another_municipalitys_template_and_a_non_administrator_are_refused(office):
    service, world, client = office
    async with service.db.transaction() as session:
        await do_add_reply_template(session, world.tkm_id,
                                    TemplateText("Токмок", None, "Токмоктун жообу", "Ответ Токмока"))
    tokmok = await _template_id(service.db, "Токмок")
    admin = await client("admin.alm")
    csrf = await admin.csrf("/setup/templates")
    status, page = await admin.get("/setup/templates")
    assert status == 200 and "Ответ Токмока" not in page
    status, _page = await admin.post(f"/setup/templates/{tokmok}", {"csrf": csrf, "title": "Взлом",
                                                                    "text_ky": "x", "text_ru": "x"})
    assert status == 404
    status, _page = await admin.post(f"/setup/templates/{tokmok}/remove", {"csrf": csrf})
    assert status == 404
    assert await _templates(service.db, world.tkm_id) == {"Токмок": ("Токмоктун жообу", "Ответ Токмока")}
    refused = [e.action for e in await audit_entries(service.db) if e.outcome == AuditOutcome.REFUSED]
    assert refused == ["setup_edit_template", "setup_remove_template"]

    water = await client("water.alm")
    before = await _templates(service.db, world.alm_id)
    status, _page = await water.post("/setup/templates", {"csrf": await water.csrf(), "title": "Моё",
                                                          "text_ky": "x", "text_ru": "x"})
    assert status == 403 and await _templates(service.db, world.alm_id) == before
    assert [e.outcome for e in await audit_entries(service.db, "setup")] == [AuditOutcome.REFUSED]
