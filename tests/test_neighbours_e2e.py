"""Appeals for people without a smartphone, end to end on the Telegram and WhatsApp fakes: a
kvartalkom head submits for a neighbour from the bot (a quarter not theirs refused) and is told
the answer «for <name>»; the neighbour later writes on WhatsApp from the phone given and sees the
appeal and its updates; a walk-in appeal registered with a phone appears in «My requests» of the
Telegram resident who shares that phone. A resident who heads no quarter is refused the command."""

from datetime import timedelta

import sqlalchemy as sa

from handlers.services import setup
from handlers.services.requests import request_by_ticket
from handlers.staff.registration import Applicant, PaperAppeal
from storage.enums import Language, RequestSource, RequestStatus, Role
from storage.models import Category, ChannelIdentity, Person, Quarter, Request, RequestEvent
from storage.types import utcnow
from tests.backoffice_world import add_staff
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.telegram_user import TelegramUser
from tests.test_whatsapp_e2e import start_service, twilio, user_of  # noqa: F401  (fixture)
from tests.waiting import eventually

TOKEN = "123456:TEST-kairyl-token"
NEIGHBOUR_PHONE = "+996700555666"


async def onboard(tg: TelegramUser) -> None:
    await tg.say("/start")
    await tg.press("Русский")
    await tg.press("Согласен")
    await tg.press("Аламедин")
    await tg.say("1")  # Квартал №1; then the categories, where a new resident lands
    await tg.press("Главное меню")


async def person_of(service, address: str) -> Person:
    async with service.db.reader() as session:
        return await session.scalar(sa.select(Person).join(ChannelIdentity, ChannelIdentity.person_id == Person.id)
                                    .where(ChannelIdentity.address == address))


async def running(db_url, twilio, port):  # noqa: F811
    telegram = FakeTelegramAPI()
    await telegram.start()
    telegram.add_bot(TOKEN)
    service = await start_service(db_url, twilio, port, telegram=telegram)
    service.port = port
    return service, telegram


async def test_a_kvartalkom_head_submits_for_a_neighbour_who_later_writes_on_whatsapp(
        db_url, twilio, unused_tcp_port):  # noqa: F811
    service, telegram = await running(db_url, twilio, unused_tcp_port)
    try:
        bot = telegram.bot(TOKEN)
        head = TelegramUser(bot, chat_id=8001)
        await onboard(head)
        address = f"telegram:{TOKEN.split(':')[0]}:8001"
        async with service.db.transaction() as session:
            person = await session.get(Person, (await person_of(service, address)).id)
            alm = await setup.municipality_by_code(session, "ALM")
            await setup.do_grant_role(session, person, alm, Role.KVARTALKOM,
                                      quarter=await session.get(Quarter, person.quarter_id))
            staff = await add_staff(session, "ALM", "head.alm", Role.HEAD, name="Башчы")
        menu = await head.say("/menu")
        assert any("Обращение за соседа" in b["text"] for b in head.buttons(menu))

        await head.say("/for_neighbour")
        await head.say("Бүбүсара Токтогулова")
        refused = await head.say("Квартал №3")
        assert "только за соседей из своего квартала" in refused.text
        await head.press("Квартал №1")
        await head.say("ул. Ленина, 12")
        await head.press("Питьевая вода")
        await head.say("Третий день нет воды, соседка пожилая, сама не может прийти")
        await head.photo()
        await head.press("Готово")
        bad_phone = await head.say("12345")
        assert "не похоже на кыргызстанский номер" in bad_phone.text
        check = await head.say("0700 555 666")
        assert "Бүбүсара Токтогулова" in check.text and "+996700555666" in check.text
        done = await head.press("Подтверждаю")
        ticket = done.text.split("Его номер: ")[1].split(".")[0]
        assert "Бүбүсара Токтогулова" in done.text

        async with service.db.reader() as session:
            request = await request_by_ticket(session, 1, ticket)
            neighbour = await session.get(Person, request.person_id)
            consent = await session.scalar(sa.select(RequestEvent.detail).where(
                RequestEvent.request_id == request.id, RequestEvent.detail.is_not(None),
                RequestEvent.text.is_not(None)))
        assert request.source == RequestSource.KVARTALKOM and request.registered_by_person_id == person.id
        assert (neighbour.display_name, neighbour.phone) == ("Бүбүсара Токтогулова", NEIGHBOUR_PHONE)
        assert request.address_text == "ул. Ленина, 12" and len(request.attachments) == 1
        assert consent == {"neighbour_consent": "confirmed_by_kvartalkom_head"}

        actor = await service.desk.actor(staff.id, request.municipality_id, via="web")
        before = len(bot.sent_to(8001))
        await service.desk.answer(actor, request.id, "Бригада починит трубу завтра до обеда.")
        told = await bot.wait_sent(8001, before + 1)
        assert "Для Бүбүсара Токтогулова" in told[-1].text and "Бригада починит трубу" in told[-1].text

        wa = user_of(service, twilio, NEIGHBOUR_PHONE)
        await wa.say("Салам")
        await wa.choose("Русский")
        await wa.choose("Согласен")
        await wa.choose("Аламедин")
        await wa.say("1")  # then the categories, where a new resident lands
        await wa.choose("Главное меню")
        listing = await wa.choose("Мои обращения")
        assert ticket in listing["body"]
        shown = await wa.choose(ticket)
        assert "Бригада починит трубу" in shown["body"]
        refusal = await wa.say("/for_neighbour")  # the neighbour heads no quarter
        assert "может только председатель квартального комитета" in refusal["body"]

        count = len(twilio.sent_to(NEIGHBOUR_PHONE))
        await service.desk.resolve(actor, request.id, "Трубу заменили.")
        resolved = await twilio.wait_sent(NEIGHBOUR_PHONE, count + 1)
        assert any(ticket in m["body"] and "Решено" in m["body"] for m in resolved[count:])
        head_told = await bot.wait_sent(8001, before + 2)
        assert "Для Бүбүсара Токтогулова" in head_told[-1].text and "Решено" in head_told[-1].text
    finally:
        await service.stop()
        await telegram.stop()


async def test_a_walk_in_appeal_with_a_phone_appears_when_that_phone_is_shared_on_telegram(
        db_url, twilio, unused_tcp_port):  # noqa: F811
    service, telegram = await running(db_url, twilio, unused_tcp_port)
    try:
        async with service.db.transaction() as session:
            clerk = await add_staff(session, "ALM", "water.alm", Role.DEPARTMENT_STAFF, department="water")
            alm = await setup.municipality_by_code(session, "ALM")
            quarter = await session.scalar(sa.select(Quarter.id).where(Quarter.municipality_id == alm.id)
                                           .order_by(Quarter.id).limit(1))
            water = await session.scalar(sa.select(Category.id).where(Category.municipality_id == alm.id,
                                                                       Category.code == "water"))
        actor = await service.desk.actor(clerk.id, alm.id, via="web")
        appeal = await service.desk.register(actor, PaperAppeal(
            Applicant("Мырзабек Алиев", quarter, Language.RU, "+996 555 777 888"), RequestSource.PAPER,
            utcnow() - timedelta(hours=3), water, "Прошу проверить давление воды на улице Садовой."))

        tg = TelegramUser(telegram.bot(TOKEN), chat_id=8002)
        await onboard(tg)
        empty = await tg.press("Мои обращения")
        assert appeal.ticket not in empty.text
        shared = await tg.send(tg.bot.contact_update(8002, "996555777888"))
        assert "номер телефона сохранён" in shared.text
        listing = await tg.say("/my")
        assert appeal.ticket in listing.text

        before = len(tg.bot.sent_to(8002))
        await service.desk.take(actor, appeal.id)
        told = await tg.bot.wait_sent(8002, before + 1)
        assert appeal.ticket in told[-1].text and "На рассмотрении" in told[-1].text

        async def one_person() -> bool:
            async with service.db.reader() as session:
                stored = await session.get(Request, appeal.id)
                return stored.status == RequestStatus.IN_REVIEW and (await person_of(
                    service, f"telegram:{TOKEN.split(':')[0]}:8002")).id == stored.person_id
        await eventually(one_person, "the appeal is not the Telegram resident's")
    finally:
        await service.stop()
        await telegram.stop()
