"""The fake Telegram Bot API, driven by the real aiogram client and dispatcher."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiohttp import ClientSession, web

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.waiting import PATIENCE, eventually, within

TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
CHAT = 42
KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="OK", callback_data="ok:1")]])


def make_bot(api: FakeTelegramAPI, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))


@pytest.fixture
async def api():
    api = FakeTelegramAPI()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
async def tg(api):
    """(fake bot state, real aiogram Bot) pair."""
    fake = api.add_bot(TOKEN)
    bot = make_bot(api)
    yield fake, bot
    await bot.session.close()


async def call_raw(api, method: str, *, token: str = TOKEN, http: str = "POST", **kwargs):
    async with ClientSession() as session:
        async with session.request(http, f"{api.base_url}/bot{token}/{method}", **kwargs) as resp:
            return resp.status, await resp.json()


def echo_dispatcher() -> Dispatcher:
    router = Router()

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(message.text, reply_markup=KEYBOARD)

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer("done")
        await query.message.edit_text(f"pressed {query.data}")

    dp = Dispatcher()
    dp.include_router(router)
    return dp


async def test_polling_echo_and_callback_with_real_dispatcher(tg):
    fake, bot = tg
    dp = echo_dispatcher()
    polling = asyncio.create_task(
        dp.start_polling(bot, polling_timeout=1, handle_signals=False, close_bot_session=False))
    try:
        incoming = fake.push_update(fake.message_update(CHAT, "Привет"))
        [echo] = await fake.wait_sent(CHAT, 1)
        assert echo.method == "sendMessage" and echo.text == "Привет"
        assert echo.reply_markup == {"inline_keyboard": [[{"text": "OK", "callback_data": "ok:1"}]]}
        assert echo.result["reply_markup"] == echo.reply_markup
        assert echo.message_id == incoming["message"]["message_id"] + 1  # one id sequence per chat

        query = fake.push_update(fake.callback_update(CHAT, "ok:1", message_id=echo.message_id))
        sent = await fake.wait_sent(CHAT, 2)
        assert sent[1].method == "editMessageText" and sent[1].message_id == echo.message_id
        assert sent[1].text == "pressed ok:1" and "reply_markup" not in sent[1].result
        answers = [p for name, p in fake.calls if name == "answerCallbackQuery"]
        assert answers == [{"callback_query_id": query["callback_query"]["id"], "text": "done"}]

        # aiogram confirms handled updates via offset; they are not delivered twice
        last = query["update_id"]
        await eventually(lambda: any(n == "getUpdates" and p.get("offset", 0) > last for n, p in fake.calls),
                         "aiogram never confirmed the handled updates")
        assert (await bot.get_webhook_info()).pending_update_count == 0
        assert len(fake.sent_to(CHAT)) == 2
    finally:
        await dp.stop_polling()
        await polling


async def test_send_photo_multipart_and_file_download(tg):
    fake, bot = tg
    msg = await bot.send_photo(CHAT, BufferedInputFile(b"\xff\xd8jpeg-bytes", "p.jpg"), caption="cap")
    assert msg.caption == "cap" and len(msg.photo) > 1
    assert msg.photo[-1].width > msg.photo[0].width
    file = await bot.get_file(msg.photo[-1].file_id)
    data = await bot.download(file)
    assert data.read() == b"\xff\xd8jpeg-bytes"
    assert fake.sent[0].method == "sendPhoto" and fake.sent[0].caption == "cap"
    loc = await bot.send_location(CHAT, 55.75, 37.62)
    assert (loc.location.latitude, loc.location.longitude) == (55.75, 37.62)
    assert loc.message_id == msg.message_id + 1


async def test_updates_built_by_helpers_parse_as_aiogram_types(tg):
    fake, bot = tg
    for update in (fake.message_update(CHAT, "/start payload"), fake.photo_update(CHAT, caption="c", file_id="F1"),
                   fake.voice_update(CHAT, duration=7), fake.sticker_update(CHAT),
                   fake.location_update(CHAT, 1.5, 2.5), fake.contact_update(CHAT, "+79990000000"),
                   fake.document_update(CHAT), fake.my_chat_member_update(CHAT)):
        fake.push_update(update)
    updates = await bot.get_updates()
    start, photo, voice, sticker, location, contact, document, member = updates
    assert [u.update_id for u in updates] == list(range(1, 9))
    assert start.message.entities[0].type == "bot_command" and start.message.entities[0].length == 6
    assert start.message.from_user.language_code == "ru" and start.message.chat.type == "private"
    assert photo.message.photo[-1].file_id == "F1" and photo.message.caption == "c"
    assert voice.message.voice.duration == 7 and sticker.message.sticker.emoji
    assert location.message.location.latitude == 1.5
    assert contact.message.contact.user_id == CHAT and document.message.document.file_name
    assert member.my_chat_member.new_chat_member.status == "kicked"


async def test_rate_limit_raises_retry_after_and_is_not_counted_as_sent():
    api = FakeTelegramAPI(rate_limit_per_second=2)
    async with api:
        fake, bot = api.add_bot(TOKEN), make_bot(api)
        try:
            await bot.send_message(1, "a")
            await bot.send_message(2, "b")
            with pytest.raises(TelegramRetryAfter) as exc:
                await bot.send_message(3, "c")
            assert exc.value.retry_after == 1
            assert fake.too_many_requests == 1 and [m.text for m in fake.sent] == ["a", "b"]
            assert [name for name, _ in fake.calls] == ["sendMessage"] * 3
        finally:
            await bot.session.close()


async def test_rate_limit_uses_sliding_window_per_chat():
    now = [100.0]
    api = FakeTelegramAPI(per_chat_per_second=2)
    api.clock = lambda: now[0]
    async with api:
        fake, bot = api.add_bot(TOKEN), make_bot(api)
        try:
            await bot.send_message(1, "t0")
            now[0] = 100.5
            await bot.send_message(1, "t0.5")
            await bot.send_message(2, "other chat is independent")
            now[0] = 100.9
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(1, "third within one second")
            now[0] = 101.01  # the t0 send left the window
            await bot.send_message(1, "t1.01")
            now[0] = 101.2  # window (100.2, 101.2] holds t0.5 and t1.01
            with pytest.raises(TelegramRetryAfter) as exc:
                await bot.send_message(1, "again")
            assert exc.value.retry_after == 1 and fake.too_many_requests == 2
            assert [m.text for m in fake.sent_to(1)] == ["t0", "t0.5", "t1.01"]
        finally:
            await bot.session.close()


async def test_blocked_chat_raises_forbidden(tg):
    fake, bot = tg
    fake.blocked_chats.add(CHAT)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "hi")
    assert fake.sent == [] and fake.calls[-1][0] == "sendMessage"
    assert (await bot.send_message(CHAT + 1, "hi")).chat.id == CHAT + 1


async def test_unknown_token_is_401_and_unknown_method_is_404(api, tg):
    stranger = make_bot(api, "999:UNKNOWN-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert await call_raw(api, "getMe", token="999:x") == (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    assert await call_raw(api, "noSuchMethod") == (
        404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_bad_requests_use_telegram_descriptions(api, tg):
    fake, bot = tg
    status, body = await call_raw(api, "sendMessage", data={"chat_id": "1"})
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    status, body = await call_raw(api, "sendMessage", json={"text": "x"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    for call, description in [
        (bot.send_message(CHAT, "x" * 4097), "message is too long"),
        (bot.send_photo(CHAT, "file-id", caption="x" * 1025), "message caption is too long"),
        (bot.send_message(CHAT, "x", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[
            InlineKeyboardButton(text="long", callback_data="я" * 33)]])), "BUTTON_DATA_INVALID"),
        (bot.send_message(CHAT, "<b>unclosed", parse_mode="HTML"), "can't parse entities"),
    ]:
        with pytest.raises(TelegramBadRequest, match=description):
            await call
    assert fake.sent == []
    assert (await bot.send_message(CHAT, "x" * 4096)).text == "x" * 4096
    shown = await bot.send_message(CHAT, "<b>Hi</b> &amp; bye", parse_mode="HTML", reply_markup=KEYBOARD)
    assert shown.text == "Hi & bye"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("<b>Hi</b> &amp; bye", chat_id=CHAT, message_id=shown.message_id,
                                    parse_mode="HTML", reply_markup=KEYBOARD)


async def test_wire_formats_and_case_insensitive_method(api, tg):
    fake, _ = tg
    status, body = await call_raw(api, "SENDMESSAGE", data={"chat_id": "5", "text": "form",
                                                            "reply_markup": '{"inline_keyboard":[]}'})
    assert status == 200 and body["result"]["text"] == "form" and body["result"]["from"]["is_bot"] is True
    status, body = await call_raw(api, "sendmessage", json={"chat_id": 5, "text": "json"})
    assert status == 200 and body["result"]["message_id"] == 2
    status, body = await call_raw(api, "getMe", http="GET", params={"x": "1"})
    assert status == 200 and body["result"]["username"] == "kairyl_test_bot"
    assert [m.params for m in fake.sent_to(5)] == [
        {"chat_id": 5, "text": "form", "reply_markup": {"inline_keyboard": []}}, {"chat_id": 5, "text": "json"}]


async def test_get_updates_offset_confirms_and_long_poll(api, tg):
    fake, bot = tg
    for text in ("a", "b", "c"):
        fake.push_update(fake.message_update(CHAT, text))
    assert [u.message.text for u in await bot.get_updates()] == ["a", "b", "c"]
    assert [u.message.text for u in await bot.get_updates()] == ["a", "b", "c"]  # not confirmed yet
    assert [u.message.text for u in await bot.get_updates(offset=2, limit=1)] == ["b"]
    assert [u.update_id for u in await bot.get_updates(offset=4)] == []

    started = time.monotonic()
    assert await bot.get_updates(offset=4, timeout=1) == []
    assert time.monotonic() - started >= 0.9

    # A long poll parked at the server ends as soon as an update comes, long before its own timeout.
    polling = asyncio.create_task(bot.get_updates(offset=4, timeout=int(PATIENCE)))
    await fake.wait_long_poll()
    fake.push_update(fake.message_update(CHAT, "late"))
    [late] = await within(polling, "the long poll did not end when the update came", timeout=PATIENCE / 2)
    assert late.message.text == "late"


async def test_webhook_blocks_get_updates_and_delivers_with_secret(api, tg):
    fake, bot = tg
    received: list[tuple[str | None, dict]] = []

    async def receive(request: web.Request) -> web.Response:
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        pending = asyncio.create_task(bot.get_updates(timeout=int(PATIENCE)))
        await fake.wait_long_poll()
        assert await bot.set_webhook(hook, secret_token="s3cr3t_token") is True
        with pytest.raises(TelegramConflictError, match="terminated by setWebhook request"):
            await pending
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert info.url == hook and fake.webhook_secret == "s3cr3t_token"

        update = fake.message_update(CHAT, "via webhook")
        assert await fake.deliver_webhook(update) == 200
        assert received == [("s3cr3t_token", update)] and "update_id" in update

        await bot.delete_webhook()
        assert await bot.get_updates() == []
    finally:
        await runner.cleanup()


async def test_second_poller_terminates_the_first(tg):
    fake, bot = tg
    first = asyncio.create_task(bot.get_updates(timeout=int(PATIENCE)))
    await fake.wait_long_poll()
    second = asyncio.create_task(bot.get_updates(timeout=int(PATIENCE)))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await first
    fake.push_update(fake.message_update(CHAT, "x"))
    assert [u.message.text for u in await second] == ["x"]


async def test_wait_sent_times_out_with_what_was_sent(tg):
    fake, bot = tg
    await bot.send_message(CHAT, "only one")
    with pytest.raises(TimeoutError, match="only one"):
        await fake.wait_sent(CHAT, 2, timeout=0.2)


async def test_many_messages_are_fast(tg):
    fake, bot = tg
    started = time.monotonic()
    await asyncio.gather(*(bot.send_message(1000 + i % 50, f"m{i}") for i in range(1000)))
    assert len(fake.sent) == 1000 and len(fake.sent_to(1000)) == 20
    assert [m.message_id for m in fake.sent_to(1000)] == list(range(1, 21))
    assert time.monotonic() - started < 10
