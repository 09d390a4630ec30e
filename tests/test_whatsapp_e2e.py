"""End to end on WhatsApp: signed Twilio webhooks into the running service, replies through the
twilio REST client to a fake Twilio API on 127.0.0.1, status callbacks back."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa
from aiohttp import ClientSession

from bot.whatsapp.media_links import MediaLinks
from bot.whatsapp.webhook import LATE_REPORT_RETRIES
from handlers.services.requests import do_change_request_status, request_by_ticket
from main import build_service
from settings import Settings
from storage.enums import OutboxStatus, RequestStatus
from storage.models import ChannelIdentity, IntakeItem, OutboxMessage, Request, RequestAttachment
from storage.types import utcnow
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.twilio_api import SAMPLE_JPEG, FakeTwilioAPI
from tests.telegram_user import TelegramUser
from tests.waiting import PATIENCE, eventually
from tests.whatsapp_user import WhatsAppUser

SID, TOKEN = "AC" + "1" * 32, "twilio-auth-token"
STATUS_TEMPLATE = "HX" + "a" * 32
PHONE = "+996555123456"


@pytest.fixture
async def twilio():
    api = FakeTwilioAPI(SID, TOKEN)
    await api.start()
    yield api
    await api.stop()


async def start_service(db_url, twilio, port, *, templates=None, telegram=None, **extra):
    values = dict(database_url=db_url, http_port=port, public_url=f"http://127.0.0.1:{port}",
                  twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_whatsapp_from="whatsapp:+996312000000",
                  twilio_api_url=twilio.base_url, twilio_content_url=twilio.base_url,
                  twilio_templates=templates or {}, **extra)
    if telegram is not None:
        values.update(telegram_bot_token="123456:TEST-kairyl-token", telegram_api_url=telegram.base_url,
                      telegram_per_chat_interval=0.0)
    service = await build_service(Settings(_env_file=None, **values))
    await service.start()
    return service


@pytest.fixture
async def service(db_url, twilio, unused_tcp_port):
    running = await start_service(db_url, twilio, unused_tcp_port, templates={"request_status": STATUS_TEMPLATE})
    running.port = unused_tcp_port
    yield running
    await running.stop()


def user_of(service, twilio, phone=PHONE) -> WhatsAppUser:
    return WhatsAppUser(twilio, f"http://127.0.0.1:{service.port}/whatsapp/incoming", phone)


async def to_description(user: WhatsAppUser, language: str) -> None:
    """A new resident: language, consent, village, quarter 4, then (straight from the quarter) drinking water."""
    await user.say("Салам")
    await user.choose(language)
    await user.choose("Макулмун" if language == "Кыргызча" else "Да, согласен")
    await user.choose("Аламүдүн" if language == "Кыргызча" else "Аламедин")
    await user.say("4")
    described = await user.say("1")  # drinking water
    assert "📎" in described["body"] and "Жайгашкан жеримди" not in described["body"]  # no button to send it here
    assert "баскыч" not in described["body"] and "нажмите" not in described["body"]


async def submit_request(user: WhatsAppUser, language: str) -> str:
    await to_description(user, language)
    await user.photo()
    await user.say("Көчөдө суу түтүгү жарылды" if language == "Кыргызча" else "Прорвало трубу на улице")
    await user.location(42.889, 74.63)
    done = await user.choose("Жөнөтүү" if language == "Кыргызча" else "Отправить")
    return done["body"]


@pytest.mark.parametrize("language", ["Кыргызча", "Русский"])
async def test_a_first_request_over_whatsapp_takes_seven_answers_besides_the_photo_and_the_pin(
        service, twilio, no_thread_hops, language):
    user = user_of(service, twilio)
    body = await submit_request(user, language)
    assert ("Кайрылууңуз катталды" if language == "Кыргызча" else "зарегистрировано") in body and "ALM-2026-" in body
    assert user.answers - user.carriers == 1 + 7 and user.carriers == 2  # «Салам» opened the dialog
    user.answers = 0  # returning: the problem written at the main menu names its category (roads); then send
    await user.say("Көчөдө чоң чуңкур пайда болду" if language == "Кыргызча" else "На улице появилась большая яма")
    await user.choose("Жөнөтүү" if language == "Кыргызча" else "Отправить")
    assert "ALM-2026-000002" in user.last["body"] and user.answers == 2
    if language == "Русский":
        return
    first = twilio.sent_to(PHONE)[0]
    assert first["from"] == "whatsapp:+996312000000" and first["to"] == "whatsapp:" + PHONE
    assert twilio.forms[first["sid"]]["StatusCallback"] == f"http://127.0.0.1:{service.port}/whatsapp/status"
    first_choices = twilio.rendered[first["sid"]]  # a quick reply, tapped by the resident
    assert first_choices["type"] == "twilio/quick-reply"
    assert [action["title"] for action in first_choices["actions"]] == ["Кыргызча", "Русский"]
    async with service.db.reader() as session:
        request = (await session.scalars(sa.select(Request).order_by(Request.id))).first()
        await session.refresh(request, ["attachments"])
    assert request.channel == "whatsapp" and request.language == "ky"
    assert request.attachments[0].file_ref.startswith(twilio.base_url) and request.latitude == pytest.approx(42.889)


async def test_a_status_change_after_25_hours_goes_out_as_the_template(service, twilio):
    user = user_of(service, twilio, "+996700111222")
    body = await submit_request(user, "Русский")
    ticket = body.split("номер: ")[1].split(".")[0]
    async with service.db.transaction() as session:  # the resident's last message was 25 hours ago
        await session.execute(sa.update(ChannelIdentity).values(last_inbound_at=utcnow() - timedelta(hours=25)))
        request = await request_by_ticket(session, 1, ticket)
        await do_change_request_status(session, request, RequestStatus.RESOLVED, actor_person_id=None,
                                       note=None, now=utcnow())
    service.worker.wake()
    sent = await twilio.wait_sent("+996700111222", len(twilio.sent_to("+996700111222")) + 1)
    form = twilio.forms[sent[-1]["sid"]]
    assert form["ContentSid"] == STATUS_TEMPLATE and "Body" not in form
    assert form["ContentVariables"] == json.dumps({"1": ticket, "2": "Решено"}, ensure_ascii=False)


async def test_without_a_template_the_message_is_held_for_staff(service, twilio):
    user = user_of(service, twilio, "+996700333444")
    body = await submit_request(user, "Русский")
    ticket = body.split("номер: ")[1].split(".")[0]
    async with service.db.transaction() as session:
        await session.execute(sa.update(ChannelIdentity).values(last_inbound_at=utcnow() - timedelta(hours=25)))
        request = await request_by_ticket(session, 1, ticket)
        from handlers.services.requests import do_answer_request
        await do_answer_request(session, request, "Трубу заменят в четверг.", actor_person_id=None, now=utcnow())
    count = len(twilio.sent_to("+996700333444"))
    service.worker.wake()

    async def held_for_staff():
        async with service.db.reader() as session:
            return (await session.scalars(sa.select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.NEEDS_TEMPLATE))).all()

    held = await eventually(held_for_staff, "the message was not held for staff")
    assert len(held) == 1 and "Трубу заменят" in held[0].payload["text"]
    assert len(twilio.sent_to("+996700333444")) == count


async def test_forged_or_unsigned_webhooks_are_refused_and_nothing_is_stored(service, twilio):
    url = f"http://127.0.0.1:{service.port}/whatsapp/incoming"
    form = twilio.inbound_form(PHONE, "Салам")
    assert await twilio.post_webhook(url, form, auth_token_for_signing="not-the-token") == 403
    async with ClientSession() as client:
        async with client.post(url, data=form) as response:
            assert response.status == 403
        tampered = dict(form, Body="Бузулган")
        async with client.post(url, data=tampered, headers={"X-Twilio-Signature": twilio.sign(url, form)}) as response:
            assert response.status == 403
    async with service.db.reader() as session:
        assert (await session.scalar(sa.select(sa.func.count()).select_from(IntakeItem))) == 0


async def test_a_replayed_message_sid_is_processed_once(service, twilio):
    url = f"http://127.0.0.1:{service.port}/whatsapp/incoming"
    form = twilio.inbound_form(PHONE, "Салам")
    assert await twilio.post_webhook(url, form) == 200
    await twilio.wait_sent(PHONE, 1)
    assert await twilio.post_webhook(url, form) == 200
    await user_of(service, twilio).say("Русский")  # the next message of the chat comes after the copy
    assert len(twilio.sent_to(PHONE)) == 2


async def test_status_callbacks_update_the_message_and_unknown_ones_are_ignored(service, twilio):
    user = user_of(service, twilio)
    await user.say("Салам")
    sid = user.last["sid"]
    assert await twilio.send_status_callback(sid, "delivered") == 204  # may come before we noted the sid
    assert await twilio.send_status_callback(sid, "sent") == 204  # late and out of order
    async def delivered():
        async with service.db.reader() as session:
            message = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.external_id == sid))).first()
        return message is not None and message.delivery_status == "delivered"

    # the webhook retries a report that came early for sum(LATE_REPORT_RETRIES) seconds
    await eventually(delivered, "the early 'delivered' was lost", timeout=sum(LATE_REPORT_RETRIES) + PATIENCE)
    url = f"http://127.0.0.1:{service.port}/whatsapp/status"
    unknown = {"MessageSid": "SM" + "f" * 32, "MessageStatus": "failed", "ErrorCode": "63018"}
    assert await twilio.post_webhook(url, unknown) == 204


@pytest.fixture
async def numbered_service(db_url, twilio, unused_tcp_port):
    """The service with native choices off: every choice goes as numbered lines."""
    running = await start_service(db_url, twilio, unused_tcp_port, whatsapp_native_choices=False)
    running.port = unused_tcp_port
    yield running
    await running.stop()


async def test_options_are_understood_by_number_and_by_words_and_bad_numbers_get_a_hint(numbered_service, twilio):
    user = user_of(numbered_service, twilio)
    await user.say("Здравствуйте")
    assert twilio.contents == {} and twilio.rendered == {}
    assert "(Жооп катары санды жөнөтүңүз.) / (Ответьте цифрой.)" in user.last["body"]  # no language chosen yet
    answer = await user.say("русский")
    assert "Вы согласны?" in answer["body"]
    answer = await user.say("99")
    assert "Отправьте число от 1 до 2" in answer["body"] and "(Ответьте цифрой.)" in answer["body"]
    answer = await user.say("0")
    assert "от 1 до 2" in answer["body"]


async def test_the_same_resident_on_telegram_and_whatsapp_sees_one_list(db_url, twilio, unused_tcp_port):
    telegram = FakeTelegramAPI()
    await telegram.start()
    telegram.add_bot("123456:TEST-kairyl-token")
    service = await start_service(db_url, twilio, unused_tcp_port, telegram=telegram)
    try:
        tg = TelegramUser(telegram.bot("123456:TEST-kairyl-token"), chat_id=7001)
        await tg.say("/start")
        await tg.press("Русский")
        await tg.press("Согласен")
        await tg.press("Аламедин")
        await tg.say("1")
        await tg.press("Вывоз мусора")
        await tg.say("Мусор не вывозят две недели")
        ticket = (await tg.press("Отправить")).text.split("номер: ")[1].split(".")[0]
        def contact_buttons(message):
            return [b["text"] for b in tg.buttons(message) if b.get("request_contact")]

        mydata = await tg.say("/mydata")
        assert contact_buttons(mydata) == ["📱 Поделиться номером телефона"]  # one tap sends the own contact
        shared = await tg.send(tg.bot.contact_update(7001, "996555987654"))
        assert "номер телефона сохранён" in shared.text and "Телефон: +996555987654" in shared.text
        assert contact_buttons(shared) == []

        service.port = unused_tcp_port
        wa = user_of(service, twilio, "+996555987654")
        welcome = await wa.say("Салам")
        assert "Мы знаем вас по другому мессенджеру" in welcome["body"]
        listing = await wa.choose("Мои обращения")
        assert ticket in listing["body"]
    finally:
        await service.stop()
        await telegram.stop()


async def test_bad_input_over_whatsapp_gets_a_polite_localized_hint(service, twilio):
    user = user_of(service, twilio, "+996700555666")
    await to_description(user, "Кыргызча")
    empty = await user.post(twilio.inbound_form(user.phone, ""))
    assert "Жообуңузду түшүнгөн жокмун" in empty["body"] and user.choices(empty) == ["✖ Жокко чыгаруу"]
    sticker = await user.post(twilio.inbound_form(user.phone, media=[("image/webp", b"RIFF")]))
    assert "Стикерлер жакшы" in sticker["body"]
    too_long = await user.say("ы" * 5000)
    assert "Текстиңиз өтө узун (5 000 белги)" in too_long["body"].replace("\u00a0", " ")
    kept = await user.say("Көчөдө суу жок")
    assert "Кайрылууңузду текшериңиз" in kept["body"]
    async with service.db.reader() as session:
        texts = (await session.scalars(sa.select(sa.func.length(sa.text("inbound_messages.text")))
                                       .select_from(sa.text("inbound_messages")))).all()
    assert 5000 in texts  # the long message itself is kept, nothing lost


async def test_my_requests_sends_the_photos_again_from_a_signed_link_twilio_fetches(service, twilio):
    user = user_of(service, twilio, "+996700444555")
    ticket = (await submit_request(user, "Русский")).split("номер: ")[1].split(".")[0]
    await user.choose("Мои обращения")
    detail = await user.choose(ticket)
    assert "1 фото" in detail["body"]
    sent_before = len(twilio.sent_to(user.phone))
    await user.choose("Показать фото")
    photo = twilio.sent_to(user.phone)[sent_before]
    assert photo["body"] == f"🖼 {ticket}" and photo["num_media"] == "1"
    [fetched] = twilio.fetched[photo["sid"]]  # Twilio fetched the link the service gave, without credentials
    link = f"http://127.0.0.1:{service.port}/whatsapp/media/"
    assert fetched.url.startswith(link) and (fetched.status, fetched.content_type) == (200, "image/jpeg")
    assert fetched.data == SAMPLE_JPEG and twilio.status[photo["sid"]] == "queued"
    assert "twilio" not in fetched.url.lower() and twilio.account_sid not in fetched.url

    reference, expires, signature = fetched.url.removeprefix(link).split(".")
    async with service.db.reader() as session:
        held = (await session.scalars(sa.select(RequestAttachment.file_ref))).one()
    public_url = f"http://127.0.0.1:{service.port}"
    expired = MediaLinks(TOKEN, public_url, clock=lambda: utcnow() - timedelta(hours=1)).url_for(held)
    other_key = MediaLinks("another-token", public_url).url_for(held)
    not_held = MediaLinks(TOKEN, public_url).url_for(held + "0")
    forged = {f"{link}{reference}.{int(expires) + 3600}.{signature}": 403,  # a later expiry, the same signature
              f"{link}{reference}.{expires}.{signature[:-2]}AA": 403, expired: 403, other_key: 403,
              f"{link}{reference}": 403, not_held: 404, fetched.url: 200}
    async with ClientSession() as http:
        for url, status in forged.items():
            async with http.get(url) as answer:
                assert (answer.status, url) == (status, url)


async def attachments_of_the_request(service) -> list:
    async with service.db.reader() as session:
        request = (await session.scalars(sa.select(Request))).one()
        await session.refresh(request, ["attachments"])
    return request.attachments


async def test_a_message_with_three_photos_is_one_step(service, twilio):
    user = user_of(service, twilio, "+996700111222")
    await to_description(user, "Русский")
    before, user.answers = len(twilio.sent_to(user.phone)), 0
    check = await user.photo("Прорвало трубу на улице", count=3)
    assert "Проверьте ваше обращение" in check["body"] and "3 фото" in check["body"]
    done = await user.choose("Отправить")
    assert "ALM-2026-" in done["body"] and user.answers == 2
    assert len(twilio.sent_to(user.phone)) == before + 2  # one reply to the photos, one to «Send»
    assert len({a.file_ref for a in await attachments_of_the_request(service)}) == 3


async def test_photos_sent_one_after_another_get_one_reply(service, twilio):
    """WhatsApp sends each photo as its own message: those in a row make one step. The next message (a
    text here) ends the wait at once, so this test does not rest on the clock."""
    service.intake.album_wait = 60.0
    user = user_of(service, twilio, "+996700111333")
    await to_description(user, "Кыргызча")
    before = len(twilio.sent_to(user.phone))
    for _ in range(3):
        photo = twilio.inbound_form(user.phone, media=[("image/jpeg", b"")])
        assert await twilio.post_webhook(user.webhook_url, photo) == 200
    assert len(twilio.sent_to(user.phone)) == before  # the photos wait for the one after them
    assert await twilio.post_webhook(user.webhook_url, twilio.inbound_form(user.phone, "Көчөдө суу түтүгү жарылды")) \
        == 200
    await eventually(lambda: "текшериңиз" in twilio.sent_to(user.phone)[-1]["body"], "the text was not answered")
    album, text = twilio.sent_to(user.phone)[before:]  # the chat's order: the photos' one reply, then the text's
    assert "Кошулган сүрөттөр: 3." in album["body"] and "3 сүрөт" in text["body"]
    done = await user.choose("Жөнөтүү")
    assert "ALM-2026-" in done["body"] and len(await attachments_of_the_request(service)) == 3
