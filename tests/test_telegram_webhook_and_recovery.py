"""Webhook mode (secret token checked, recorded before 200) and recovery of recorded updates."""

import pytest
import sqlalchemy as sa
from aiohttp import ClientSession

from bot.intake import IntakeQueue
from bot.telegram.polling import arrivals
from main import build_service
from storage.db import Database
from storage.enums import Channel, IntakeStatus, OutboxStatus
from storage.models import IntakeItem, OutboxMessage
from tests.test_telegram_e2e import TOKEN, settings_for
from tests.waiting import eventually

SECRET = "s3cret-webhook-token"



async def _port(service) -> int:
    return service._runner.addresses[0][1]


@pytest.fixture
async def webhook_service(db_url, fake_api, unused_tcp_port):
    """The service in webhook mode on ``unused_tcp_port``, the fake Bot API told its webhook."""
    settings = settings_for(db_url, fake_api.base_url, telegram_mode="webhook", http_port=unused_tcp_port,
                            public_url=f"http://127.0.0.1:{unused_tcp_port}", telegram_webhook_secret=SECRET)
    service = await build_service(settings)
    await service.start()
    yield service
    await service.stop()


async def test_webhook_answers_a_signed_update_and_refuses_a_forged_one(webhook_service, fake_api, unused_tcp_port):
    bot = fake_api.bot(TOKEN)
    assert bot.webhook_url == f"http://127.0.0.1:{unused_tcp_port}/telegram/123456"
    assert bot.webhook_secret == SECRET
    assert await bot.deliver_webhook(bot.message_update(6001, "/start")) == 200
    sent = await bot.wait_sent(6001, 1)
    assert "Тилди тандаңыз" in sent[0].text

    async with ClientSession() as client:
        forged = bot.message_update(6002, "/start")
        async with client.post(bot.webhook_url, json=forged,
                               headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
            assert response.status == 403
        async with client.post(bot.webhook_url, json=forged) as response:
            assert response.status == 403
    async with webhook_service.db.reader() as session:
        keys = (await session.scalars(sa.select(IntakeItem.routing_key))).all()
    assert keys == ["telegram:123456:6001"]  # nothing recorded, so nothing will be handled

    # A barrier instead of a pause: a signed update of the same chat is answered after anything
    # of that chat before it, and once every recorded update is handled and every reply sent,
    # the only message to that chat is the answer to the signed one.
    assert await bot.deliver_webhook(bot.message_update(6002, "/start")) == 200
    await bot.wait_sent(6002, 1)
    await eventually(lambda: _all_handled_and_sent(webhook_service.db), "updates or replies still under way")
    assert len(bot.sent_to(6002)) == 1
    async with webhook_service.db.reader() as session:
        keys = (await session.scalars(sa.select(IntakeItem.routing_key).order_by(IntakeItem.id))).all()
    assert keys == ["telegram:123456:6001", "telegram:123456:6002"]


async def test_a_press_is_answered_in_the_webhooks_answer_and_not_again(webhook_service, fake_api):
    """The spinner of a resident's press stops with the answer to its webhook call, once: the turn
    sends no answerCallbackQuery of its own."""
    bot = fake_api.bot(TOKEN)
    assert await bot.deliver_webhook(bot.message_update(6201, "/start")) == 200
    choose = (await bot.wait_sent(6201, 1))[0]
    russian = next(row[0] for row in choose.reply_markup["inline_keyboard"] if "Русский" in row[0]["text"])
    press = bot.callback_update(6201, russian["callback_data"], message_id=choose.message_id)
    assert await bot.deliver_webhook(press) == 200
    answers = [params for method, params in bot.calls if method == "answerCallbackQuery"]
    assert answers == [{"callback_query_id": press["callback_query"]["id"]}]  # before its turn is done
    assert "Прежде чем начать" in (await bot.wait_sent(6201, 2))[1].text
    await eventually(lambda: _all_handled_and_sent(webhook_service.db), "updates or replies still under way")
    assert [params for method, params in bot.calls if method == "answerCallbackQuery"] == answers


async def _all_handled_and_sent(db: Database) -> bool:
    async with db.reader() as session:
        unhandled = await session.scalar(sa.select(sa.func.count()).select_from(IntakeItem).where(
            IntakeItem.status != IntakeStatus.DONE))
        unsent = await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))
    return unhandled == 0 and unsent == 0


async def test_updates_recorded_before_a_crash_are_processed_after_restart(db_url, fake_api):
    """Intake is durable: an update stored but never processed (the process died) is handled on start."""
    bot = fake_api.bot(TOKEN)
    from aiogram.types import Update
    update = Update.model_validate(bot.message_update(6100, "/start", update_id=4242))
    db = Database(db_url)
    await IntakeQueue(db, {}, apologize=None).record(Channel.TELEGRAM, arrivals(123456, [update]))
    await db.dispose()  # "crash": nothing processed it

    service = await build_service(settings_for(db_url, fake_api.base_url))
    await service.start()
    try:
        sent = await bot.wait_sent(6100, 1)
        assert "Тилди тандаңыз" in sent[0].text
        async with service.db.reader() as session:
            item = (await session.scalars(sa.select(IntakeItem))).one()
        assert item.status == IntakeStatus.DONE and item.external_id == "123456:4242"
    finally:
        await service.stop()
