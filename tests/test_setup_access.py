"""Who reaches the setup pages, and the one-time codes' limits: the matrix of roles × setup pages
(only a municipality's administrator gets in; every refusal is audited and changes nothing), ids of
another municipality typed into a form, removal refused while in use, and invitation codes that
expired, were used or were never made; the first-run link that works once."""

from datetime import timedelta

import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.envelope import Reply
from handlers.invitations.service import do_invite_staff, do_redeem
from handlers.services import setup
from handlers.services.health import municipality_health
from handlers.services.identities import lock_identity
from handlers.services.outbox import do_enqueue
from storage.enums import AuditOutcome, Channel, Language, Role
from storage.models import ChannelIdentity, Person, Quarter, RoleGrant, Village
from storage.types import utcnow
from tests.backoffice_world import OfficeClient, add_request, audit_entries
from tests.conftest import TELEGRAM_TOKEN
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.setup_world import empty_db_url, first_run_links, office, staffed_office, start_fresh  # noqa: F401 - fixtures

PAGES = ("/setup", "/setup/departments", "/setup/categories", "/setup/staff", "/setup/holidays", "/setup/templates",
         "/setup/audit")
ROLES = {"admin.alm": 200, "head.alm": 403, "water.alm": 403, "kvartal.alm": 403, "lawyer.alm": 403}


async def _count(db, model) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


async def test_only_the_administrator_reaches_the_setup_pages_and_refusals_change_nothing(office):
    service, _world, client = office
    for login, expected in ROLES.items():
        browser = await client(login)
        csrf = await browser.csrf("/requests") if login != "lawyer.alm" else await browser.csrf("/legal")
        for path in PAGES:
            status, _page = await browser.get(path)
            assert status == expected, (login, path)
        villages = await _count(service.db, Village)
        status, _page = await browser.post("/setup/villages", {"csrf": csrf, "name_ky": "Жаңы", "name_ru": "Новое"})
        assert status == expected, (login, status)  # the administrator is redirected to the page
        assert await _count(service.db, Village) == villages + (1 if expected == 200 else 0), login
        status, _page = await browser.get("/operator")
        assert status == 403, login  # the operator's pages: nobody here is the operator
    refused = await audit_entries(service.db, "setup")
    assert len(refused) == 4 * (len(PAGES) + 1) and {e.outcome for e in refused} == {AuditOutcome.REFUSED}
    assert len(await audit_entries(service.db, "operator")) == len(ROLES)


async def test_another_municipalitys_ids_are_refused_and_audited(office):
    service, world, client = office
    async with service.db.reader() as session:
        tkm_village = await session.scalar(sa.select(Village.id).where(Village.municipality_id == world.tkm_id))
        tkm_quarter = await session.scalar(sa.select(Quarter.id).where(Quarter.municipality_id == world.tkm_id))
    browser = await client("admin.alm")
    csrf = await browser.csrf("/setup")
    quarters = await _count(service.db, Quarter)
    status, page = await browser.post("/setup/quarters", {"csrf": csrf, "village": str(tkm_village),
                                                          "name_ky": "Бөтөн", "name_ru": "Чужой"})
    assert status == 404 and await _count(service.db, Quarter) == quarters
    status, _page = await browser.post(f"/setup/quarters/{tkm_quarter}/remove", {"csrf": csrf})
    assert status == 404 and await _count(service.db, Quarter) == quarters
    grants = await _count(service.db, RoleGrant)
    status, _page = await browser.post("/setup/staff", {"csrf": csrf, "name": "Чужой", "role": "kvartalkom",
                                                        "quarter": str(tkm_quarter), "language": "ru"})
    assert status == 404 and await _count(service.db, RoleGrant) == grants
    refused = [e.action for e in await audit_entries(service.db) if e.outcome == AuditOutcome.REFUSED]
    assert refused == ["setup_add_quarter", "setup_remove_quarter", "setup_invite"]

    # The audit log page shows them, filtered; Tokmok's head sees none of Alamudun's log.
    status, page = await browser.get("/setup/audit?outcome=refused&action=setup_invite")
    assert status == 200 and page.count('<tr class="refused">') == 1 and "setup_add_quarter" not in page
    status, page = await browser.get("/setup/audit?outcome=allowed")
    assert status == 200 and 'class="refused"' not in page and "log_in" in page
    tokmok = await client("head.tkm")
    status, _page = await tokmok.get("/setup/audit")
    assert status == 403


async def test_what_is_in_use_is_not_removed_and_a_taken_code_is_refused(office):
    service, world, client = office
    async with service.db.transaction() as session:
        lived_in = (await add_request(session, "ALM", "Нет воды")).quarter_id
    browser = await client("admin.alm")
    csrf = await browser.csrf("/setup")
    status, page = await browser.post(f"/setup/quarters/{lived_in}/remove", {"csrf": csrf})
    assert status == 409 and "живут жители" in page
    async with service.db.reader() as session:
        assert await session.get(Quarter, lived_in) is not None
    status, page = await browser.get("/setup/departments")
    water = page.split('id="department-', 1)[1].split('"', 1)[0]
    status, page = await browser.post(f"/setup/departments/{water}/remove", {"csrf": csrf})
    assert status == 409 and "относятся категории" in page
    status, page = await browser.post("/setup/departments", {"csrf": csrf, "code": "water", "kind": "department",
                                                             "name_ky": "Суу", "name_ru": "Вода"})
    assert status == 400 and "Такой код или такое название уже есть" in page  # the same service as the CLI


async def test_invitation_codes_work_once_and_not_after_they_expire(db):
    now = utcnow()
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        invited = await do_invite_staff(session, alm, Role.HEAD, name="Башчы", language=Language.KY, now=now,
                                        by_person_id=None)
        late = await do_invite_staff(session, alm, Role.LAWYER, name="Юрист", language=Language.RU, now=now,
                                     by_person_id=None)
    async with db.transaction() as session:
        first = await lock_identity(session, Channel.TELEGRAM, "telegram:1:501", now)
        second = await lock_identity(session, Channel.TELEGRAM, "telegram:1:502", now)
        assert await do_redeem(session, first, "ABCD-EFGH-JKLM", now) is None  # forged
        assert await do_redeem(session, first, late.code, now + timedelta(days=8)) is None  # expired
        redeemed = await do_redeem(session, first, invited.code.lower().replace("-", ""), now)  # typed loosely
        assert redeemed is not None and redeemed.roles == (Role.HEAD,) and first.person_id == invited.person.id
        assert await do_redeem(session, second, invited.code, now) is None  # used
        assert second.person_id is None
    refusals = [e.detail["reason"] for e in await audit_entries(db, "redeem_invitation")
                if e.outcome == AuditOutcome.REFUSED]
    assert refusals == ["unknown", "expired", "used"]


async def test_the_first_run_link_works_once(empty_db_url, fake_api, capsys):  # noqa: F811
    service, base = await start_fresh(empty_db_url, fake_api.base_url)
    try:
        link = first_run_links(capsys.readouterr().out)[0]
        code = link.rsplit("/", 1)[1]
        browser = OfficeClient(base)
        status, page = await browser.get(f"/first-run/{code}x")
        assert status == 404  # forged
        status, page = await browser.get(f"/first-run/{code}")
        assert status == 200 and 'name="name_ru_genitive"' in page
        form = {"name": "Оператор", "login": "operator", "password": "a long operator secret",
                "password_again": "a long operator secret", "language": "ky", "code": "ALM", "name_ky": "Аламүдүн",
                "name_ru": "Аламудун", "deadline_days": "14", "deadline_count": "calendar"}
        status, page = await browser.post(f"/first-run/{code}", {**form, "password_again": "something else"})
        assert status == 400 and "Эки сырсөз дал келбейт" in page
        status, page = await browser.post(f"/first-run/{code}", form)
        assert status == 200 and "Айылдар жана кварталдар" in page  # signed in, on the setup page
        other = OfficeClient(base)
        status, page = await other.post(f"/first-run/{code}", {**form, "login": "intruder", "code": "TKM"})
        assert status == 404
        await browser.close()
        await other.close()
    finally:
        await service.stop()
    restarted, _base = await start_fresh(empty_db_url, fake_api.base_url)
    await restarted.stop()
    assert first_run_links(capsys.readouterr().out) == []  # an account exists: no new link


async def test_a_forged_invitation_in_the_bot_is_refused_in_both_languages(empty_db_url, fake_api):  # noqa: F811
    service, _base = await start_fresh(empty_db_url, fake_api.base_url)
    try:
        bot = fake_api.bot(TELEGRAM_TOKEN)
        bot.push_update(bot.message_update(9001, "/start ABCD-EFGH-JKLM"))
        answer = (await bot.wait_sent(9001, 1))[0]
        assert "Бул чакыруу шилтемеси иштебейт" in answer.text and "Эта ссылка-приглашение не работает" in answer.text
    finally:
        await service.stop()


async def test_the_operator_sees_overdue_requests_and_waiting_messages_per_municipality(db):
    async with db.transaction() as session:
        request = await add_request(session, "ALM", "Нет воды")
        resident = await session.scalar(sa.select(ChannelIdentity).where(ChannelIdentity.person_id == request.person_id))
        do_enqueue(session, resident, Reply("Ваше обращение принято"), utcnow())
    async with db.reader() as session:
        now = await municipality_health(session, utcnow())
        later = await municipality_health(session, request.due_at + timedelta(minutes=1))
    assert [(h.municipality.code, h.backlog, h.overdue) for h in now] == [("ALM", 1, 0)]
    assert [(h.municipality.code, h.backlog, h.overdue) for h in later] == [("ALM", 1, 1)]


async def test_a_code_typed_on_whatsapp_binds_the_staff_record_which_then_onboards_as_a_resident(db):
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        invited = await do_invite_staff(session, alm, Role.KVARTALKOM, name="Гүлнара", language=Language.KY,
                                        now=utcnow(), by_person_id=None,
                                        quarter=await session.scalar(sa.select(Quarter).where(
                                            Quarter.municipality_id == alm.id).limit(1)))
    chat = Chat(ConversationCore(db, core_config()), db, "whatsapp:+996555000111", channel=Channel.WHATSAPP)
    await chat.send(" " + invited.code.lower().replace("-", " ") + " ")
    assert "Кош келиңиз, Гүлнара!" in chat.text and "Кварталком башчысы катары" in chat.text
    await onboard(chat, language="Кыргызча")
    async with db.reader() as session:
        identity = await session.scalar(sa.select(ChannelIdentity).where(ChannelIdentity.address == chat.address))
        person = await session.get(Person, identity.person_id)
        roles = (await session.scalars(sa.select(RoleGrant.role).where(RoleGrant.person_id == person.id))).all()
    assert person.id == invited.person.id and person.consent_at is not None and person.quarter_id is not None
    assert roles == [Role.KVARTALKOM]  # the same record: onboarding did not make a second person
