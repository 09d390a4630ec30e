"""End to end on Telegram: the real Service (aiogram Bot, Dispatcher, intake, delivery)
against the fake Bot API on 127.0.0.1, with a real database."""

import pytest
import sqlalchemy as sa

from handlers.services.requests import do_change_request_status, request_by_ticket
from main import build_service
from settings import Settings
from storage.enums import AttachmentKind, OutboxStatus, RequestStatus
from storage.models import ChannelIdentity, InboundMessage, IntakeItem, OutboxMessage, Request
from storage.types import utcnow
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.telegram_user import TelegramUser
from tests.waiting import eventually


def settings_for(db_url: str, api_url: str, **overrides) -> Settings:
    values = dict(database_url=db_url, telegram_bot_token=TOKEN, telegram_api_url=api_url, http_port=0,
                  telegram_per_chat_interval=0.0)
    values.update(overrides)
    return Settings(_env_file=None, **values)



@pytest.fixture
async def service(db_url, fake_api):
    running = await build_service(settings_for(db_url, fake_api.base_url))
    await running.start()
    yield running
    await running.stop()


async def test_request_in_kyrgyz_with_an_album_and_a_pin_in_seven_answers(service, fake_api, no_thread_hops):
    user = TelegramUser(fake_api.bot(TOKEN), chat_id=5001, language_code="ru")  # the app is in Russian
    answer = await user.say("/start")
    assert "Тилди тандаңыз" in answer.text and [b["text"] for b in user.buttons()] == ["Кыргызча", "Русский"]
    user.answers = user.carriers = 0
    assert (await user.press("Кыргызча")).text.endswith("Макулсузбу?")
    assert "Кайсы айылда" in (await user.press("Макулмун")).text
    await user.press("Аламүдүн")
    categories = await user.press("3-квартал")
    assert "3-квартал, Аламүдүн" in categories.text and "Түрүн тандаңыз" in categories.text
    described = await user.press("Көчөлөрдү жарыктандыруу")
    keyboard = described.reply_markup["keyboard"]  # a reply keyboard: one tap sends the phone's position
    assert [row[0]["text"] for row in keyboard if row[0].get("request_location")] == ["📍 Жайгашкан жеримди жөнөтүү"]
    assert described.reply_markup["one_time_keyboard"] is True and "баскыч" not in described.text
    before = len(user.bot.sent_to(user.chat_id))
    check = await user.album(3, caption="Көчөдөгү чырак бир жумадан бери күйбөйт")  # the caption is the text
    assert "Кайрылууңузду текшериңиз" in check.text and "3 сүрөт" in check.text
    assert "Кайрылууңузду текшериңиз" in (await user.location(42.885, 74.64)).text
    assert len(user.bot.sent_to(user.chat_id)) == before + 2  # one reply for the album (the chat's order kept)
    done = await user.press("Жөнөтүү")
    assert "ALM-2026-" in done.text and "Кайрылууңуз катталды" in done.text
    assert user.answers - user.carriers == 6 and user.carriers == 2  # the album carried the text
    async with service.db.reader() as session:
        request = (await session.scalars(sa.select(Request))).one()
        await session.refresh(request, ["attachments"])
    assert request.language == "ky" and request.description == "Көчөдөгү чырак бир жумадан бери күйбөйт"
    assert request.latitude == pytest.approx(42.885)
    assert [a.kind for a in request.attachments] == [AttachmentKind.PHOTO] * 3
    assert len({a.file_ref for a in request.attachments}) == 3
    assert request.channel == "telegram" and request.ticket in done.text

    await user.say("/my")  # «My requests» shows the album's photos again, each with its ticket as the caption
    detail = await user.press(request.ticket)
    assert "3 сүрөт" in detail.text
    before = len(user.bot.sent_to(user.chat_id))
    again = await user.press("Сүрөттөрдү көрсөтүү")
    photos = user.bot.sent_to(user.chat_id)[before:-1]
    assert [(m.method, m.caption) for m in photos] == [("sendPhoto", f"🖼 {request.ticket}")] * 3
    assert f"Кайрылуу {request.ticket}" in again.text  # the request again, in its own message
    await user.press("Башкы меню")

    user.answers = user.carriers = 0  # returning: the problem written at the main menu names its category
    check = await user.say("Көчөдө жарык дагы эле күйбөйт")
    assert "Көчөлөрдү жарыктандыруу" in check.text
    assert "Кайрылууңуз катталды" in (await user.press("Жөнөтүү")).text and user.answers == 2


async def test_an_album_that_arrives_in_parts_is_still_one_step(service, fake_api):
    """Photos of one album in separate getUpdates answers (as webhooks bring them): the first waits for
    the others; the chat's next message ends the wait (the clock is not what this test rests on)."""
    service.intake.album_wait = 60.0
    user = TelegramUser(fake_api.bot(TOKEN), chat_id=5005)
    for step in ("/start", "Русский", "Да, согласен", "Кара-Джигач"):
        await (user.say(step) if step.startswith("/") else user.press(step))
    await user.say("2")
    await user.press("Питьевая вода")
    before = len(user.bot.sent_to(user.chat_id))
    parts = [user.bot.photo_update(user.chat_id, media_group_id="album-5005") for _ in range(3)]

    async def recorded() -> int:
        async with service.db.reader() as session:
            return await session.scalar(sa.select(sa.func.count()).select_from(IntakeItem)
                                        .where(IntakeItem.routing_key.endswith(":5005")))
    async def recorded_more(count: int) -> bool:
        return await recorded() == already + count
    already = await recorded()
    user.bot.push_update(parts[0])
    await eventually(lambda: recorded_more(1), "the album's first photo was not recorded")
    for part in parts[1:]:
        user.bot.push_update(part)
    await eventually(lambda: recorded_more(3), "the album's other photos were not recorded")
    assert len(user.bot.sent_to(user.chat_id)) == before  # the album waits for its end
    user.bot.push_update(user.bot.message_update(user.chat_id, "Нет воды третий день"))
    await eventually(lambda: "Проверьте" in (user.last.text or ""), "the text was not answered")
    sent = user.bot.sent_to(user.chat_id)[before:]  # the chat's order: the album's one reply, then the text's
    assert len(sent) == 2 and "Добавлено фото: 3." in sent[0].text and "3 фото" in sent[1].text


async def test_request_in_russian_and_status_change_reaches_the_resident(service, fake_api):
    user = TelegramUser(fake_api.bot(TOKEN), chat_id=5002)
    await user.say("Здравствуйте")
    user.answers = user.carriers = 0
    await user.press("Русский")
    await user.press("Да, согласен")
    await user.press("Кара-Джигач")
    await user.say("2")  # a quarter chosen by its number, as on a phone without buttons
    await user.press("Питьевая вода")
    await user.photo()
    await user.say("Нет воды третий день")
    await user.location(42.87, 74.60)
    done = await user.press("Отправить")
    assert "Срок ответа по закону: " in done.text and "2026" in done.text
    assert user.answers - user.carriers == 7 and user.carriers == 2

    ticket = done.text.split("номер: ")[1].split(".")[0]
    before = len(user.bot.sent_to(user.chat_id))
    async with service.db.transaction() as session:
        request = await request_by_ticket(session, 1, ticket)
        await do_change_request_status(session, request, RequestStatus.IN_REVIEW, actor_person_id=None,
                                       note=None, now=utcnow())
    service.worker.wake()
    sent = await user.bot.wait_sent(user.chat_id, before + 1)
    assert f"Статус вашего обращения {ticket} изменён: «На рассмотрении»" in sent[-1].text


async def test_the_same_update_twice_is_processed_once(service, fake_api):
    bot = fake_api.bot(TOKEN)
    user = TelegramUser(bot, chat_id=5003)
    update = bot.message_update(5003, "/start", update_id=777)
    await user.send(update)
    bot.push_update(dict(update))  # redelivered: same update_id
    # Updates of one chat are handled in order, so once the next one is answered the copy had its turn.
    await user.send(bot.message_update(5003, "/help", update_id=778))
    assert len(bot.sent_to(5003)) == 2
    async with service.db.reader() as session:
        intake = (await session.scalars(sa.select(IntakeItem).order_by(IntakeItem.id))).all()
        inbound = (await session.scalars(sa.select(InboundMessage))).all()
    assert [i.external_id for i in intake] == ["123456:777", "123456:778"] and len(inbound) == 2
    assert intake[0].payload is None  # raw update (with the person's name) dropped once processed


async def test_a_blocked_resident_is_marked_and_not_sent_to_again(service, fake_api):
    bot = fake_api.bot(TOKEN)
    user = TelegramUser(bot, chat_id=5004)
    await user.say("/start")
    bot.blocked_chats.add(5004)
    bot.push_update(bot.message_update(5004, "/help"))

    async def marked_blocked():
        async with service.db.reader() as session:
            identity = (await session.scalars(sa.select(ChannelIdentity))).one()
            statuses = (await session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id))).all()
        return (identity, statuses) if identity.blocked_at is not None else None

    identity, statuses = await eventually(marked_blocked, "the resident who blocked the bot was not marked")
    assert identity.blocked_at is not None and statuses[-1] == OutboxStatus.BLOCKED
    assert len(bot.sent_to(5004)) == 1


async def test_stickers_and_voice_get_localized_guidance(service, fake_api):
    bot = fake_api.bot(TOKEN)
    user = TelegramUser(bot, chat_id=5005)
    await user.say("/start")
    await user.press("Русский")
    answer = await user.send(bot.sticker_update(5005))
    assert "Стикеры — это приятно, но я не умею их читать." in answer.text and answer.reply_markup
    answer = await user.send(bot.voice_update(5005))
    assert "голосовое" in answer.text and answer.reply_markup


async def test_blocking_the_bot_is_noted_before_any_message_fails(service, fake_api):
    bot = fake_api.bot(TOKEN)
    user = TelegramUser(bot, chat_id=5006)
    await user.say("/start")
    bot.push_update(bot.my_chat_member_update(5006, status="kicked"))
    identity = await _identity_when(service, lambda i: i.blocked_at is not None)
    assert identity.blocked_at is not None
    bot.push_update(bot.my_chat_member_update(5006, status="member"))
    identity = await _identity_when(service, lambda i: i.blocked_at is None)
    assert identity.blocked_at is None


async def _identity_when(service, condition):
    async def identity():
        async with service.db.reader() as session:
            found = (await session.scalars(sa.select(ChannelIdentity))).one()
        return found if condition(found) else None
    return await eventually(identity, "the resident's identity never got there")


async def test_an_update_aiogram_cannot_read_does_not_stop_polling(service, fake_api):
    bot = fake_api.bot(TOKEN)
    broken = bot.message_update(5007, "/start")
    del broken["message"]["chat"]["type"]  # a required field missing
    bot.push_update(broken)
    user = TelegramUser(bot, chat_id=5008)
    assert "Тилди тандаңыз" in (await user.say("/start")).text  # the next update still gets through
    async with service.db.reader() as session:
        kept = (await session.scalars(sa.select(IntakeItem).where(IntakeItem.routing_key == "telegram:123456:5007"))).one()
    assert kept.external_id == f"123456:{broken['update_id']}"
    apology = await bot.wait_sent(5007, 1)  # tried a few times, then kept for staff
    assert "Кечиресиз" in apology[0].text and "Извините" in apology[0].text
    async with service.db.reader() as session:
        kept = await session.get(IntakeItem, kept.id)
    assert kept.status == "failed" and kept.payload["message"]["text"] == "/start" and kept.error
