"""Fake Telegram Bot API HTTP server for tests, speaking the real wire format.

    api = FakeTelegramAPI(per_chat_per_second=1)
    base_url = await api.start()          # http://127.0.0.1:PORT
    bot = api.add_bot("123456:ABC-DEF")
    bot.push_update(bot.message_update(42, "/start"))
    sent = await bot.wait_sent(42, 1)
    await api.stop()

Requests: ``/bot{token}/{method}`` (method case-insensitive) as multipart/form-data
or x-www-form-urlencoded (what aiogram sends; nested objects are JSON strings),
application/json or GET query.  Answers ``{"ok":true,"result":...}`` or
``{"ok":false,"error_code":N,"description":...}`` with Telegram's descriptions.
Update builders live in :mod:`tests.fakes.telegram_updates`.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import math
import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, web

from tests.fakes.telegram_updates import UpdateBuilders
from tests.waiting import PATIENCE, Signal

MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA = 4096, 1024, 64
JSON_KEYS = frozenset({"reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
                       "link_preview_options", "reply_parameters", "media", "menu_button", "reaction"})
TEXT_KEYS = frozenset({"text", "caption", "data", "first_name", "last_name", "title", "address", "description",
                       "short_description", "name", "phone_number", "emoji", "url", "secret_token", "file_id"})
NUMERIC = re.compile(r"-?\d+(\.\d+)?")
NUMERIC_KEYS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "latitude", "longitude",
                          "duration", "max_connections", "cache_time", "horizontal_accuracy", "live_period",
                          "message_thread_id", "width", "height", "user_id", "from_chat_id"})
CHAT_ACTIONS = frozenset({"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                          "upload_document", "choose_sticker", "find_location", "record_video_note",
                          "upload_video_note"})
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
                       "code", "pre", "blockquote", "tg-emoji", "tg-time"})
HTML_TAG = re.compile(r"<(/?)([^\s<>/]*)[^<>]*(>?)")
MEDIA = {"sendphoto": "photo", "senddocument": "document", "sendvoice": "voice", "sendaudio": "audio",
         "sendvideo": "video", "sendanimation": "animation", "sendsticker": "sticker", "sendvideonote": "video_note"}
MEDIA_EXTRA = {"voice": {"duration": 1, "mime_type": "audio/ogg"}, "audio": {"duration": 1},
               "video": {"width": 640, "height": 360, "duration": 1}, "video_note": {"length": 240, "duration": 1},
               "animation": {"width": 320, "height": 240, "duration": 1}, "document": {"file_name": "file"},
               "sticker": {"type": "regular", "width": 512, "height": 512, "is_animated": False, "is_video": False}}
TRUE_METHODS = frozenset({"setmycommands", "deletemycommands", "setmydescription", "setmyshortdescription",
                          "setmyname", "setchatmenubutton", "setmessagereaction", "logout", "close"})
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def bad(description: str) -> ApiError:
    return ApiError(400, "Bad Request: " + description)


def _response(payload: dict, status: int = 200) -> web.Response:
    return web.Response(body=json.dumps(payload, ensure_ascii=False).encode(), status=status,
                        content_type="application/json")


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        payload["parameters"] = {"retry_after": retry_after}
    return _response(payload, code)


def render_html(text: str) -> str:
    """Validate Telegram HTML like the server does and return the visible text."""
    out, stack, pos = [], [], 0
    for m in HTML_TAG.finditer(text):
        out.append(text[pos:m.start()])
        pos = m.end()
        closing, name, end = m.groups()
        offset = len(text[:m.start()].encode())
        if not end:
            raise bad(f"can't parse entities: Unclosed start tag at byte offset {offset}")
        if name.lower() not in HTML_TAGS:
            raise bad(f"can't parse entities: Unsupported start tag \"{name}\" at byte offset {offset}")
        if not closing:
            stack.append(name.lower())
        elif not stack or stack[-1] != name.lower():
            expected = f'"</{stack[-1]}>"' if stack else "nothing"
            raise bad(f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                      f"expected {expected}, found \"</{name}>\"")
        else:
            stack.pop()
    if stack:
        raise bad(f"can't parse entities: Can't find end tag corresponding to start tag \"{stack[-1]}\"")
    out.append(text[pos:])
    return html.unescape("".join(out))


@dataclass
class SentMessage:
    method: str
    chat_id: int | None  # None for inline_message_id edits
    message_id: int | None
    text: str | None  # as sent (raw, before parse_mode rendering)
    caption: str | None
    reply_markup: dict | None
    params: dict
    result: dict | bool | None = None  # what the API answered (Message or true)
    at: float = field(default_factory=time.monotonic)  # when the server accepted it


class FakeBot(UpdateBuilders):
    """State of one bot token."""

    def __init__(self, api: FakeTelegramAPI, token: str, username: str):
        self._api, self.token, self.id = api, token, int(token.split(":", 1)[0])
        self.user = {"id": self.id, "is_bot": True, "first_name": "Kairyl Test Bot", "username": username}
        self.blocked_chats: set[int] = set()
        self.sent: list[SentMessage] = []
        self.calls: list[tuple[str, dict]] = []
        self.too_many_requests = 0
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.messages: dict[tuple[int, int], dict] = {}
        self.files: dict[str, dict] = {}  # file_id -> File object (as getFile answers)
        self._file_paths: dict[str, bytes] = {}  # file_path -> content served under /file/
        self._by_chat: dict[int, list[SentMessage]] = {}
        self._last_message_id: dict[int, int] = {}
        self._updates: deque[dict] = deque()
        self._next_update_id = 1
        self._poll_generation = 0
        self._update_event: asyncio.Event | None = None
        self.sent_signal = Signal()  # notified on every message the server accepts
        self.parked_polls = 0  # getUpdates calls waiting for an update right now (long polls)
        self._parked_signal = Signal()
        self._window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}

    @staticmethod
    def _wake(event: asyncio.Event | None) -> None:
        if event is not None:
            event.set()

    # -- public API -----------------------------------------------------------
    def push_update(self, update: dict) -> dict:
        """Queue an update for getUpdates; assigns ``update_id`` if absent."""
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._updates.append(update)
        if len(self._updates) > 1 and self._updates[-2]["update_id"] > update["update_id"]:
            self._updates = deque(sorted(self._updates, key=lambda u: u["update_id"]))
        self._wake(self._update_event)
        self._update_event = None
        return update

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return list(self._by_chat.get(chat_id, ()))

    async def wait_sent(self, chat_id: int, count: int, timeout: float = PATIENCE) -> list[SentMessage]:
        """Wait until at least ``count`` messages were sent to ``chat_id`` in total; return them all."""
        def what() -> str:
            got = [(m.method, m.text or m.caption) for m in self._by_chat.get(chat_id, ())]
            return f"expected {count} messages to chat {chat_id} within {timeout}s, got {got}"
        await self.sent_signal.wait_until(lambda: len(self._by_chat.get(chat_id, ())) >= count, what,
                                          timeout=timeout)
        return self.sent_to(chat_id)

    async def wait_long_poll(self, timeout: float = PATIENCE) -> None:
        """Wait until a getUpdates call is parked at the server, waiting for an update."""
        await self._parked_signal.wait_until(lambda: self.parked_polls > 0, f"no long poll within {timeout}s",
                                             timeout=timeout)

    async def deliver_webhook(self, update: dict, *, url: str | None = None) -> int:
        """POST ``update`` to the webhook set by setWebhook (or to ``url``: one instance behind a load
        balancer that setWebhook named); return the HTTP status."""
        if not self.webhook_url:
            raise RuntimeError("no webhook is set for this bot")
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
            self._next_update_id += 1
        headers = {"Content-Type": "application/json"}
        if self.webhook_secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook_secret
        async with self._api.client().post(url or self.webhook_url, data=json.dumps(update), headers=headers) as resp:
            await self.answered_webhook(await resp.read(), resp.content_type)
            return resp.status

    async def answered_webhook(self, body: bytes, content_type: str) -> None:
        """Telegram runs a method named in the JSON answer to a webhook call (its result goes nowhere);
        recorded in ``calls`` as a request would be."""
        if content_type != "application/json" or not body:
            return
        params = json.loads(body)
        name = params.pop("method", None)
        if name:
            await self._api.call(self, name, params, {})

    # -- bookkeeping used by the method handlers --------------------------------
    def _record(self, method: str, chat_id: int | None, params: dict, result: Any) -> None:
        msg = SentMessage(method, chat_id, params.get("message_id") if result is True else result["message_id"],
                          params.get("text"), params.get("caption"), params.get("reply_markup"), params, result)
        self.sent.append(msg)
        if chat_id is not None:
            self._by_chat.setdefault(chat_id, []).append(msg)
        self.sent_signal.notify()

    def _check_rate(self, chat_id: int | None) -> None:
        api, retry = self._api, 0.0
        if api.flood_next > 0:  # as Telegram answers a bot that sent too much, whatever our windows say
            api.flood_next -= 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        now = api.clock()
        windows = []
        if api.rate_limit_per_second:
            windows.append((self._window, api.rate_limit_per_second))
        if api.per_chat_per_second and chat_id is not None:
            windows.append((self._chat_windows.setdefault(chat_id, deque()), api.per_chat_per_second))
        for window, limit in windows:
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                retry = max(retry, window[0] + 1.0 - now)
        if retry > 0:
            seconds = max(1, math.ceil(retry))
            raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)
        for window, _ in windows:
            window.append(now)


class FakeTelegramAPI:
    def __init__(self, *, rate_limit_per_second: int | None = None, per_chat_per_second: int | None = None):
        self.rate_limit_per_second = rate_limit_per_second
        self.per_chat_per_second = per_chat_per_second
        self.flood_next = 0
        """The next this many sends get a 429 (retry after 1 s), whatever the rate: a test's own flood."""
        self.clock = time.monotonic  # rate-limit clock; tests may replace it
        self.base_url = ""
        self._bots: dict[str, FakeBot] = {}
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._closing = False

    def add_bot(self, token: str, *, username: str = "kairyl_test_bot") -> FakeBot:
        self._bots[token] = bot = FakeBot(self, token, username)
        return bot

    def bot(self, token: str) -> FakeBot:
        return self._bots[token]

    def client(self) -> ClientSession:
        if self._client is None or self._client.closed:
            self._client = ClientSession()
        return self._client

    async def start(self) -> str:
        self._closing = False
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self.base_url

    async def stop(self) -> None:
        self._closing = True
        for bot in self._bots.values():  # release long polls
            bot._wake(bot._update_event)
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- HTTP layer ---------------------------------------------------------------
    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        bot = self._bots.get(request.match_info["token"])
        data = bot._file_paths.get(request.match_info["path"]) if bot else None
        return _error(404, "Not Found") if data is None else web.Response(body=data)

    async def _handle(self, request: web.Request) -> web.Response:
        bot = self._bots.get(request.match_info["token"])
        if bot is None:
            return _error(401, "Unauthorized")
        name = request.match_info["method"]
        try:
            params, uploads = await self._read_params(request)
        except ApiError as e:
            bot.calls.append((name, {}))
            return _error(e.code, e.description)
        return await self.call(bot, name, params, uploads)

    async def call(self, bot: FakeBot, name: str, params: dict, uploads: dict[str, bytes]) -> web.Response:
        """Runs one Bot API method for ``bot`` (a request, or a method given in a webhook's answer)."""
        bot.calls.append((name, params))
        key = name.lower()
        handler = getattr(self, f"_m_{key}", None)
        if handler is None and key in MEDIA:
            handler = self._send_media
        if handler is None and key in TRUE_METHODS:
            return _response({"ok": True, "result": True})
        if handler is None:
            return _error(404, "Not Found")
        try:
            result = handler(bot, params, name=name, uploads=uploads)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as e:
            if e.code == 429:
                bot.too_many_requests += 1
            return _error(e.code, e.description, e.retry_after)
        except Exception as e:  # a bug in the fake: make it visible to the client
            return _error(500, f"Internal Server Error: fake API crashed: {e!r}")
        return _response({"ok": True, "result": result})

    @staticmethod
    async def _read_params(request: web.Request) -> tuple[dict, dict[str, bytes]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, bytes] = {}
        if request.method == "POST" and request.body_exists:
            if request.content_type == "application/json":
                try:
                    raw.update(await request.json())
                except ValueError as error:
                    raise bad("can't parse JSON encoded request") from error
            else:
                for field_name, value in (await request.post()).items():
                    if isinstance(value, web.FileField):  # referenced as attach://<name> (or sent in place)
                        uploads[field_name] = value.file.read()
                        if field_name in MEDIA.values():
                            raw.setdefault(field_name, f"attach://{field_name}")
                    else:
                        raw[field_name] = value
        params = {}
        for k, v in raw.items():
            if isinstance(v, str) and k in JSON_KEYS:
                try:
                    v = json.loads(v)
                except ValueError as error:
                    raise bad("can't parse reply keyboard markup JSON object" if k == "reply_markup"
                              else f"can't parse {k} JSON object") from error
            elif isinstance(v, str) and v in ("true", "false") and k not in TEXT_KEYS:
                v = v == "true"
            elif isinstance(v, str) and k in NUMERIC_KEYS and NUMERIC.fullmatch(v):
                v = float(v) if "." in v else int(v)
            params[k] = v
        return params, uploads

    # -- validation helpers ---------------------------------------------------------
    @staticmethod
    def _chat_id(params: dict) -> int:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            raise bad("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad("chat not found")
        return chat_id

    @staticmethod
    def _render(params: dict, key: str, limit: int, too_long: str, *, required: bool) -> str | None:
        text = params.get(key)
        if text is None or text == "":
            if required:
                raise bad("message text is empty")
            return None
        shown = render_html(str(text)) if str(params.get("parse_mode", "")).lower() == "html" else str(text)
        if required and not shown.strip():
            raise bad("message text is empty")
        if len(shown) > limit:
            raise bad(too_long)
        return shown

    @staticmethod
    def _markup(params: dict) -> dict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad("can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is not None:
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
            for button in itertools.chain.from_iterable(rows):
                data = button.get("callback_data") if isinstance(button, dict) else None
                if data is not None and len(str(data).encode()) > MAX_CALLBACK_DATA:
                    raise bad("BUTTON_DATA_INVALID")
            return markup
        return None  # reply/remove/force-reply keyboards are never echoed in Message.reply_markup

    def _deliver(self, bot: FakeBot, name: str, params: dict, chat_id: int, body: dict) -> dict:
        """Checks shared by all send* methods, then creates, stores and records the Message."""
        markup = self._markup(params)
        reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get("reply_to_message_id")
        replied = bot.messages.get((chat_id, reply_to)) if reply_to else None
        if reply_to and replied is None and not params.get("allow_sending_without_reply"):
            raise bad("message to be replied not found")
        self._check_allowed(bot, chat_id)
        msg = {"message_id": bot._next_message_id(chat_id), "from": bot.user, "chat": bot.chat_for(chat_id),
               "date": int(time.time()), **body}
        if replied is not None:
            msg["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        if markup is not None:
            msg["reply_markup"] = markup
        bot.messages[(chat_id, msg["message_id"])] = msg
        bot._record(name, chat_id, params, msg)
        return msg

    @staticmethod
    def _check_allowed(bot: FakeBot, chat_id: int | None) -> None:
        if chat_id in bot.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        bot._check_rate(chat_id)

    # -- methods (handler for method X is _m_<x lowercased>) ---------------------------
    def _m_getme(self, bot: FakeBot, params: dict, **_: Any) -> dict:
        return {**bot.user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}

    def _m_sendmessage(self, bot: FakeBot, params: dict, name: str, **_: Any) -> dict:
        chat_id = self._chat_id(params)
        text = self._render(params, "text", MAX_TEXT, "message is too long", required=True)
        return self._deliver(bot, name, params, chat_id, {"text": text})

    def _send_media(self, bot: FakeBot, params: dict, name: str, uploads: dict[str, bytes]) -> dict:
        chat_id, field = self._chat_id(params), MEDIA[name.lower()]
        value = params.get(field)
        data = uploads.get(value[9:]) if isinstance(value, str) and value.startswith("attach://") else None
        if not isinstance(value, str) or not value or (value.startswith("attach://") and data is None):
            raise bad(f"there is no {field} in the request")
        caption = self._render(params, "caption", MAX_CAPTION, "message caption is too long", required=False)
        is_new = data is not None or value.startswith(("http://", "https://"))
        file_id = bot._new_file(field, data=data)["file_id"] if is_new else value
        if field == "photo":
            body: dict[str, Any] = {"photo": bot.photo_sizes(file_id)}
        else:
            extra = {k: params.get(k, v) for k, v in MEDIA_EXTRA.get(field, {}).items()}
            body = {field: {**bot._new_file(field, file_id=file_id), **extra}}
        if caption is not None:
            body["caption"] = caption
        return self._deliver(bot, name, params, chat_id, body)

    def _m_sendlocation(self, bot: FakeBot, params: dict, name: str, **_: Any) -> dict:
        chat_id = self._chat_id(params)
        for key, bound in (("latitude", 90), ("longitude", 180)):
            value = params.get(key)
            if value in (None, ""):
                raise bad(f"{key} is empty")
            if not isinstance(value, (int, float)) or not -bound <= value <= bound:
                raise bad("wrong location specified")  # approximate wording
        return self._deliver(bot, name, params, chat_id, {"location": {
            "latitude": params["latitude"], "longitude": params["longitude"]}})

    def _m_sendchataction(self, bot: FakeBot, params: dict, **_: Any) -> bool:
        chat_id = self._chat_id(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        if chat_id in bot.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return True

    def _edit(self, bot: FakeBot, params: dict, name: str, change: dict) -> dict | bool:
        markup = self._markup(params)
        if params.get("inline_message_id"):
            self._check_allowed(bot, None)
            bot._record(name, None, params, True)
            return True
        chat_id = self._chat_id(params)
        msg = bot.messages.get((chat_id, params.get("message_id")))
        if msg is None:
            raise bad("message to edit not found")
        if msg["from"]["id"] != bot.id:
            raise bad("message can't be edited")
        new = {**msg, **change}
        new.pop("reply_markup", None)
        if markup is not None:
            new["reply_markup"] = markup
        if {k: v for k, v in new.items() if k != "edit_date"} == {k: v for k, v in msg.items() if k != "edit_date"}:
            raise bad(NOT_MODIFIED)
        self._check_allowed(bot, chat_id)
        new["edit_date"] = int(time.time())
        bot.messages[(chat_id, msg["message_id"])] = new
        bot._record(name, chat_id, params, new)
        return new

    def _m_editmessagetext(self, bot: FakeBot, params: dict, name: str, **_: Any) -> dict | bool:
        text = self._render(params, "text", MAX_TEXT, "message is too long", required=True)
        return self._edit(bot, params, name, {"text": text})

    def _m_editmessagecaption(self, bot: FakeBot, params: dict, name: str, **_: Any) -> dict | bool:
        caption = self._render(params, "caption", MAX_CAPTION, "message caption is too long", required=False)
        return self._edit(bot, params, name, {"caption": caption} if caption is not None else {})

    def _m_editmessagereplymarkup(self, bot: FakeBot, params: dict, name: str, **_: Any) -> dict | bool:
        return self._edit(bot, params, name, {})

    def _m_deletemessage(self, bot: FakeBot, params: dict, **_: Any) -> bool:
        chat_id = self._chat_id(params)
        if bot.messages.pop((chat_id, params.get("message_id")), None) is None:
            raise bad("message to delete not found")
        return True

    def _m_answercallbackquery(self, bot: FakeBot, params: dict, **_: Any) -> bool:
        if not params.get("callback_query_id"):
            raise bad("query is too old and response timeout expired or query ID is invalid")
        return True

    def _m_getfile(self, bot: FakeBot, params: dict, **_: Any) -> dict:
        file_id = params.get("file_id")
        if not file_id:
            raise bad("file_id is empty")
        if file_id not in bot.files:
            bot._new_file("document", file_id=str(file_id))
        return bot.files[file_id]

    def _m_setwebhook(self, bot: FakeBot, params: dict, **_: Any) -> bool:
        secret = params.get("secret_token")
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad("secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            bot._updates.clear()
        bot.webhook_url, bot.webhook_secret = params.get("url") or None, (secret or None)
        bot._wake(bot._update_event)  # a pending getUpdates is terminated with 409
        bot._update_event = None
        return True

    def _m_deletewebhook(self, bot: FakeBot, params: dict, **_: Any) -> bool:
        if params.get("drop_pending_updates"):
            bot._updates.clear()
        bot.webhook_url = bot.webhook_secret = None
        return True

    def _m_getwebhookinfo(self, bot: FakeBot, params: dict, **_: Any) -> dict:
        info: dict[str, Any] = {"url": bot.webhook_url or "", "has_custom_certificate": False,
                                "pending_update_count": len(bot._updates)}
        if bot.webhook_url:
            info.update(max_connections=40, ip_address="127.0.0.1")
        return info

    async def _m_getupdates(self, bot: FakeBot, params: dict, **_: Any) -> list[dict]:
        if bot.webhook_url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = params.get("offset"), min(max(int(params.get("limit") or 100), 1), 100)
        updates = bot._updates
        if isinstance(offset, int) and offset < 0:
            while len(updates) > -offset:
                updates.popleft()
        elif isinstance(offset, int):
            while updates and updates[0]["update_id"] < offset:
                updates.popleft()
        bot._poll_generation = generation = bot._poll_generation + 1
        bot._wake(bot._update_event)  # an older long poll of this bot ends with 409
        bot._update_event = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + float(params.get("timeout") or 0)
        while not bot._updates and not self._closing and loop.time() < deadline:
            if bot._update_event is None:
                bot._update_event = asyncio.Event()
            bot.parked_polls += 1
            bot._parked_signal.notify()
            try:
                await asyncio.wait_for(bot._update_event.wait(), deadline - loop.time())
            except TimeoutError:
                break
            finally:
                bot.parked_polls -= 1
            if bot._poll_generation != generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            if bot.webhook_url:
                raise ApiError(409, "Conflict: terminated by setWebhook request")
        return list(itertools.islice(bot._updates, limit))
