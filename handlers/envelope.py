"""The plain shapes the core speaks: what a person sent (Incoming) and what we answer (Reply).

Channel adapters build an ``Incoming`` from their own payloads and render a ``Reply``
in their own way (Telegram inline keyboards, WhatsApp numbered lines, console lines).
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from storage.enums import AttachmentKind, Channel, Language


class InputKind(StrEnum):
    TEXT = "text"
    OPTION = "option"
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    VIDEO = "video"
    LOCATION = "location"
    CONTACT = "contact"
    STICKER = "sticker"
    OTHER = "other"


@dataclass(frozen=True)
class Attachment:
    kind: AttachmentKind
    ref: str
    mime_type: str | None = None


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Incoming:
    channel: Channel
    address: str
    kind: InputKind
    text: str | None = None
    option: str | None = None
    """The raw payload of a pressed button: ``"<nonce>:<value>"``."""
    attachments: tuple[Attachment, ...] = ()
    location: Location | None = None
    language_hint: str | None = None
    display_name: str | None = None
    phone: str | None = None
    intake_id: int | None = None
    received_at: datetime | None = None


class Asks(StrEnum):
    LOCATION = "location"
    CONTACT = "contact"


@dataclass(frozen=True)
class Option:
    """A choice offered to a person, labelled in both languages so either is understood."""

    value: str
    ky: str
    ru: str
    asks: "Asks | None" = None
    """A channel that can (Telegram) shows this option as a button that sends the location or own contact."""

    def label(self, language: Language) -> str:
        return self.ky if language == Language.KY else self.ru


@dataclass
class Reply:
    text: str
    options: list[Option] = field(default_factory=list)
    nonce: int | None = None
    language: Language | None = None
    template: dict[str, Any] | None = None
    """For channels that need an approved template outside a service window (WhatsApp):
    ``{"key": "request_status", "variables": {"1": "ALM-2026-000001", "2": "Решено"}}``."""
    edit_of: int | None = None
    """The outbox id of an earlier message this one replaces in place (a staff card, a progress line)."""
    reply_to: int | None = None
    """The outbox id of an earlier message this one answers (a thread under a staff card)."""
    media: dict[str, Any] | None = None
    """Something to show besides the text, by the channel's own reference:
    ``{"photo"|"voice": {"ref": <file id>, "channel": "telegram", "bot": <bot id>}}`` or
    ``{"location": {"latitude": …, "longitude": …}}``. A channel that cannot show it sends the text."""
    expects_reply: dict[str, Any] | None = None
    """A prompt in a group chat whose answer comes as a reply to it (channels that can open
    the reply box for it do); the dict says what the answer is for."""

    def to_payload(self) -> dict[str, Any]:
        language = self.language or Language.RU
        payload: dict[str, Any] = {
            "text": self.text,
            "language": self.language.value if self.language else None,
            "nonce": self.nonce,
            "options": [{"value": o.value, "label": o.label(language), **({"asks": o.asks.value} if o.asks else {})}
                        for o in self.options],
        }
        if self.template:
            payload["template"] = self.template
        if self.edit_of is not None:
            payload["edit_of"] = self.edit_of
        if self.reply_to is not None:
            payload["reply_to"] = self.reply_to
        if self.expects_reply is not None:
            payload["expects_reply"] = self.expects_reply
        if self.media:
            payload.update(self.media)
        return payload


def encode_option(nonce: int, value: str) -> str:
    return f"{nonce}:{value}"


def decode_option(raw: str) -> tuple[int | None, str]:
    nonce, sep, value = raw.partition(":")
    if sep and nonce.isdigit():
        return int(nonce), value
    return None, raw
