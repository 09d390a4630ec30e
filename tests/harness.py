"""Talking to the conversation core as a person would, and reading what it answered.

The outbox is the core's only output; the harness reads the rows written for one
address after each message (the collecting side of the core's outbound port).
"""

import itertools
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.envelope import Attachment, Incoming, InputKind, Location, encode_option
from storage.db import Database
from storage.enums import AttachmentKind, Channel
from storage.models import OutboxMessage

_ids = itertools.count(1)


@dataclass
class Chat:
    core: ConversationCore
    db: Database
    address: str
    channel: Channel = Channel.CONSOLE
    language_hint: str | None = None
    seen_outbox_id: int = 0
    replies: list[dict[str, Any]] = field(default_factory=list)
    answers: int = 0
    """Messages the person sent (texts, presses, photos, voice notes, pins): the walkers count them."""
    carriers: int = 0
    """Of those, the photos, voice notes and pins: each may add only the message that carries it."""

    @property
    def last(self) -> dict[str, Any]:
        return self.replies[-1]

    @property
    def text(self) -> str:
        """All texts of the replies to the last message."""
        return "\n".join(r["text"] for r in self._last_batch)

    async def send(self, text: str | None = None, *, kind: InputKind = InputKind.TEXT,
                   attachments: tuple[Attachment, ...] = (), location: Location | None = None,
                   option: str | None = None, **extra: Any) -> list[dict[str, Any]]:
        incoming = Incoming(channel=self.channel, address=self.address, kind=kind, text=text, option=option,
                            attachments=attachments, location=location, language_hint=self.language_hint, **extra)
        self.answers += 1
        self.carriers += kind in (InputKind.PHOTO, InputKind.VOICE, InputKind.LOCATION)
        await self.core.handle(incoming)
        return await self._collect()

    async def press(self, label: str, *, reply: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Presses the button whose label contains ``label`` on the last (or given) reply."""
        reply = reply or self.last
        matches = [o for o in reply["options"] if label.casefold() in o["label"].casefold()]
        assert matches, f"no button {label!r} in {[o['label'] for o in reply['options']]}"
        return await self.send(kind=InputKind.OPTION, option=encode_option(reply["nonce"], matches[0]["value"]))

    async def photo(self, caption: str | None = None) -> list[dict[str, Any]]:
        ref = f"photo-{next(_ids)}"
        return await self.send(caption, kind=InputKind.PHOTO,
                               attachments=(Attachment(AttachmentKind.PHOTO, ref, "image/jpeg"),))

    async def voice(self) -> list[dict[str, Any]]:
        return await self.send(kind=InputKind.VOICE,
                               attachments=(Attachment(AttachmentKind.VOICE, f"voice-{next(_ids)}", "audio/ogg"),))

    async def location(self, latitude: float, longitude: float) -> list[dict[str, Any]]:
        return await self.send(kind=InputKind.LOCATION, location=Location(latitude, longitude))

    async def receive(self) -> list[dict[str, Any]]:
        """What was written to this address since the last look, without sending (e.g. notifications)."""
        return await self._collect()

    async def _collect(self) -> list[dict[str, Any]]:
        async with self.db.reader() as session:
            rows = (await session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.address == self.address,
                                               OutboxMessage.id > self.seen_outbox_id)
                .order_by(OutboxMessage.id))).all()
        if rows:
            self.seen_outbox_id = rows[-1].id
        self._last_batch = [r.payload for r in rows]
        self.replies.extend(self._last_batch)
        return self._last_batch

    _last_batch: list[dict[str, Any]] = field(default_factory=list)

    def labels(self, reply: dict[str, Any] | None = None) -> list[str]:
        return [o["label"] for o in (reply or self.last)["options"]]


async def onboard(chat: Chat, *, language: str = "Русский", village: str | None = None,
                  quarter: str = "1", to_menu: bool = True) -> None:
    """Takes a new person through language, consent, village and quarter; they land on the request
    categories (where the features include requests), and (``to_menu``) go on to the main menu from there."""
    await chat.send("/start")
    await chat.press(language)
    await chat.press("Макулмун" if language == "Кыргызча" else "Согласен")
    if any(o["value"].startswith("m:") for o in chat.last["options"]):  # several municipalities: ALM
        await chat.press("Аламүдүн" if language == "Кыргызча" else "Аламудун")
    await chat.press(village or ("Аламүдүн" if language == "Кыргызча" else "Аламедин"))
    await chat.send(quarter)
    if to_menu and chat.last["options"][0]["value"].startswith("c:"):  # a new resident lands on the categories
        await chat.press("◀")


async def submit_request(chat: Chat, description: str = "Нет воды третий день", *, category: str = "1") -> str:
    """Submits a request (category by number, no photo, no location) and returns its ticket."""
    await chat.press("📝")
    await chat.send(category)
    await chat.send(description)
    await chat.press("✅")
    if any(label.startswith("📨") for label in chat.labels()):  # «the same problem?»: send one's own
        await chat.press("📨")
    assert "ALM-2026-" in chat.text
    return chat.text.split("ALM-", 1)[1][:11].join(["ALM-", ""])
