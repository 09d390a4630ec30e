"""Builders of real Telegram ``Update`` JSON objects for the fake Bot API.

Mixed into :class:`tests.fakes.telegram_api.FakeBot`.  Builders only build
dicts (they do not queue anything); pass the result to ``push_update`` or
``deliver_webhook``.  Every builder accepts ``user`` (dict merged into the
sender ``User``), ``language_code``, ``update_id`` and ``**extra`` (merged into
the ``Message`` / ``CallbackQuery`` object).
"""

from __future__ import annotations

import itertools
import time
from typing import Any

_ids = itertools.count(1)  # shared across bots so file/callback ids never collide
_PHOTO_SIZES = ((90, 67), (320, 240), (800, 600), (1280, 960))


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (Telegram entity offsets/lengths use these)."""
    return len(text.encode("utf-16-le")) // 2


class UpdateBuilders:
    # State owned by FakeBot.
    id: int
    user: dict  # the bot's own User object
    messages: dict[tuple[int, int], dict]  # (chat_id, message_id) -> Message, both directions
    files: dict[str, dict]
    _file_paths: dict[str, bytes]
    _last_message_id: dict[int, int]

    # -- ids and files (message ids are one sequence per chat, as in private chats) --
    def _next_message_id(self, chat_id: int) -> int:
        self._last_message_id[chat_id] = n = self._last_message_id.get(chat_id, 0) + 1
        return n

    def _bump_message_id(self, chat_id: int, message_id: int) -> None:
        self._last_message_id[chat_id] = max(message_id, self._last_message_id.get(chat_id, 0))

    def _new_file(self, kind: str, *, file_id: str | None = None, data: bytes | None = None) -> dict:
        """Register a file (served by getFile and /file/bot<token>/<path>); returns its id fields."""
        if file_id in self.files:
            return {k: v for k, v in self.files[file_id].items() if k in ("file_id", "file_unique_id", "file_size")}
        n = next(_ids)
        file_id = file_id or f"{kind[:2].upper()}AC{self.id}_{n}"
        data = data if data is not None else f"fake {kind} {file_id}".encode()
        path = f"{kind}s/file_{n}.{'jpg' if kind == 'photo' else 'oga' if kind == 'voice' else 'bin'}"
        info = {"file_id": file_id, "file_unique_id": f"AQAD{n}", "file_size": len(data)}
        self.files[file_id] = {**info, "file_path": path}
        self._file_paths[path] = data
        return info

    # -- helpers -------------------------------------------------------------
    def chat_for(self, chat_id: int, user: dict | None = None) -> dict:
        if chat_id > 0:
            chat = {"id": chat_id, "type": "private", "first_name": (user or {}).get("first_name", f"User{chat_id}")}
            for key in ("last_name", "username"):
                if user and key in user:
                    chat[key] = user[key]
            return chat
        return {"id": chat_id, "type": "supergroup" if chat_id < -10**12 else "group", "title": f"Chat{chat_id}"}

    def _user(self, chat_id: int, user: dict | None, language_code: str | None) -> dict:
        u: dict[str, Any] = {"id": chat_id if chat_id > 0 else 1, "is_bot": False, "first_name": f"User{chat_id}"}
        if language_code:
            u["language_code"] = language_code
        return {**u, **(user or {})}

    @staticmethod
    def _wrap(kind: str, obj: dict, update_id: int | None) -> dict:
        return {kind: obj} if update_id is None else {"update_id": update_id, kind: obj}

    def _incoming(self, chat_id, user, language_code, update_id, extra, **content) -> dict:
        sender = self._user(chat_id, user, language_code)
        msg = {"message_id": self._next_message_id(chat_id), "from": sender,
               "chat": self.chat_for(chat_id, sender), "date": int(time.time()), **content, **extra}
        self.messages[(chat_id, msg["message_id"])] = msg
        return self._wrap("message", msg, update_id)

    # -- builders ------------------------------------------------------------
    def message_update(self, chat_id: int, text: str | None = None, *, user: dict | None = None,
                       language_code: str | None = "ru", update_id: int | None = None, **extra) -> dict:
        content: dict[str, Any] = {}
        if text is not None:
            content["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        return self._incoming(chat_id, user, language_code, update_id, extra, **content)

    def photo_update(self, chat_id: int, *, caption: str | None = None, file_id: str | None = None,
                     user: dict | None = None, language_code: str | None = "ru",
                     update_id: int | None = None, **extra) -> dict:
        content: dict[str, Any] = {"photo": self.photo_sizes(file_id)}
        if caption is not None:
            content["caption"] = caption
        return self._incoming(chat_id, user, language_code, update_id, extra, **content)

    def photo_sizes(self, file_id: str | None = None) -> list[dict]:
        """PhotoSize list, smallest first; the largest size gets ``file_id`` if given."""
        last = len(_PHOTO_SIZES) - 1
        return [{**self._new_file("photo", file_id=file_id if i == last else None), "width": w, "height": h}
                for i, (w, h) in enumerate(_PHOTO_SIZES)]

    def voice_update(self, chat_id: int, *, duration: int = 3, file_id: str | None = None,
                     user: dict | None = None, language_code: str | None = "ru",
                     update_id: int | None = None, **extra) -> dict:
        voice = {**self._new_file("voice", file_id=file_id), "duration": duration, "mime_type": "audio/ogg"}
        return self._incoming(chat_id, user, language_code, update_id, extra, voice=voice)

    def sticker_update(self, chat_id: int, *, emoji: str = "👍", file_id: str | None = None,
                       user: dict | None = None, language_code: str | None = "ru",
                       update_id: int | None = None, **extra) -> dict:
        sticker = {**self._new_file("sticker", file_id=file_id), "type": "regular", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "emoji": emoji}
        return self._incoming(chat_id, user, language_code, update_id, extra, sticker=sticker)

    def location_update(self, chat_id: int, latitude: float, longitude: float, *, user: dict | None = None,
                        language_code: str | None = "ru", update_id: int | None = None, **extra) -> dict:
        location = {"latitude": latitude, "longitude": longitude}
        return self._incoming(chat_id, user, language_code, update_id, extra, location=location)

    def contact_update(self, chat_id: int, phone_number: str, *, first_name: str | None = None,
                       own: bool = True, user: dict | None = None, language_code: str | None = "ru",
                       update_id: int | None = None, **extra) -> dict:
        """``own=True``: the sender shared their own contact (request_contact button)."""
        sender = self._user(chat_id, user, language_code)
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name or sender["first_name"]}
        if own:
            contact["user_id"] = sender["id"]
        return self._incoming(chat_id, user, language_code, update_id, extra, contact=contact)

    def document_update(self, chat_id: int, *, file_name: str = "document.pdf",
                        mime_type: str = "application/pdf", caption: str | None = None,
                        file_id: str | None = None, user: dict | None = None,
                        language_code: str | None = "ru", update_id: int | None = None, **extra) -> dict:
        document = {**self._new_file("document", file_id=file_id), "file_name": file_name, "mime_type": mime_type}
        content: dict[str, Any] = {"document": document}
        if caption is not None:
            content["caption"] = caption
        return self._incoming(chat_id, user, language_code, update_id, extra, **content)

    def callback_update(self, chat_id: int, data: str, *, message_id: int, message_text: str = "…",
                        user: dict | None = None, language_code: str | None = "ru",
                        update_id: int | None = None, **extra) -> dict:
        """Press of an inline button on the bot's message ``message_id``.

        If the bot never sent that message, a stub bot message is registered so
        that edits of it succeed, as they would in Telegram.
        """
        sender = self._user(chat_id, user, language_code)
        msg = self.messages.get((chat_id, message_id))
        if msg is None:
            msg = {"message_id": message_id, "from": self.user, "chat": self.chat_for(chat_id, sender),
                   "date": int(time.time()), "text": message_text}
            self.messages[(chat_id, message_id)] = msg
            self._bump_message_id(chat_id, message_id)
        query = {"id": f"{self.id}{next(_ids):08d}", "from": sender, "message": dict(msg),
                 "chat_instance": str((chat_id * 7919 + self.id) & 0x7FFFFFFFFFFF), "data": data, **extra}
        return self._wrap("callback_query", query, update_id)

    def my_chat_member_update(self, chat_id: int, *, status: str = "kicked", user: dict | None = None,
                              language_code: str | None = "ru", update_id: int | None = None) -> dict:
        """What Telegram sends when a private-chat user blocks (``kicked``) or unblocks (``member``) the bot."""
        sender = self._user(chat_id, user, language_code)
        old, new = ("member", "kicked") if status == "kicked" else ("kicked", status)
        kicked = {"status": "kicked", "user": self.user, "until_date": 0}
        change = {"chat": self.chat_for(chat_id, sender), "from": sender, "date": int(time.time()),
                  "old_chat_member": kicked if old == "kicked" else {"status": old, "user": self.user},
                  "new_chat_member": {"status": new, "user": self.user}
                  if new != "kicked" else {"status": new, "user": self.user, "until_date": 0}}
        return self._wrap("my_chat_member", change, update_id)
