"""The plain shapes the core speaks: what a person sent (Incoming), what we answer (Reply),
and what a channel can show (Capabilities).

Channel adapters build an ``Incoming`` from their own payloads and render a ``Reply``
in their own way (Telegram inline keyboards, WhatsApp numbered lines, console lines).
The outbox stores a ``Reply`` as JSON through ``handlers.outbox_payload``.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
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
    also_intake_ids: tuple[int, ...] = ()
    """The intake items of the messages sent together with this one (an album), claimed with it."""


def sent_together(first: Incoming, others: Sequence[Incoming]) -> Incoming:
    """Messages sent together (an album's photos) as one: their attachments in order, their texts
    (captions) joined, every intake item claimed with the first."""
    if not others:
        return first
    every = (first, *others)
    texts = [each.text for each in every if each.text]
    return replace(first, text="\n".join(texts) or None,
                   attachments=tuple(a for each in every for a in each.attachments),
                   also_intake_ids=tuple(each.intake_id for each in others if each.intake_id is not None))


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
    words: tuple[str, ...] = ()
    """Ordinary words that also choose it, in either language («ооба», «да», «вода»); see engine/matching.py."""

    def label(self, language: Language) -> str:
        return self.ky if language == Language.KY else self.ru


@dataclass(frozen=True)
class SentFile:
    """A file a person sent us, shown again by the channel's own reference."""

    ref: str
    channel: Channel
    bot: int | None = None
    """The bot (account) of the channel the reference belongs to: a Telegram file id is valid for one bot only."""


class Photo(SentFile):
    """A photo, with the message's text as its caption where the channel has captions."""


class Voice(SentFile):
    """A voice note."""


@dataclass(frozen=True)
class MapPin:
    latitude: float
    longitude: float


Media = Photo | Voice | MapPin


@dataclass(frozen=True)
class Template:
    """An approved template for channels that need one outside a service window (WhatsApp):
    ``Template("request_status", {"1": "ALM-2026-000001", "2": "Решено"})``."""

    key: str
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """One message from the core to a person; each channel renders it as its capabilities allow."""

    text: str
    options: Sequence[Option] = ()
    """Kept as a tuple (a list handed in is turned into one)."""
    nonce: int | None = None
    language: Language | None = None
    template: Template | None = None
    edit_of: int | None = None
    """The outbox id of an earlier message this one replaces in place (a staff card, a progress line)."""
    reply_to: int | None = None
    """The outbox id of an earlier message this one answers (a thread under a staff card)."""
    media: Media | None = None
    """Something to show besides the text. A channel that cannot show it sends the text."""
    expects_reply: Mapping[str, Any] | None = None
    """A prompt in a group chat whose answer comes as a reply to it (channels that can open
    the reply box for it do); the mapping says what the answer is for (read back by the core)."""

    def __post_init__(self) -> None:
        if not isinstance(self.options, tuple):  # callers may hand in a list
            object.__setattr__(self, "options", tuple(self.options))

    def label(self, option: Option) -> str:
        """An option's label in this message's language (Russian before the person chose one)."""
        return option.label(self.language or Language.RU)


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; each adapter in ``bot/`` declares its own, the core reads them
    (through ``CoreConfig.capabilities``) instead of asking which channel it is."""

    name: str
    """The channel's name as staff read it ("Telegram")."""
    counted_for_staff: bool = True
    """Staff see recipients counted per channel under ``name`` (not for a developer's console)."""
    buttons: int = 0
    """How many options a message can carry as buttons that send their own value (0: none)."""
    numbered_choices: bool = False
    """Options are shown as numbered lines and chosen by replying with the bare number, so a
    number always answers the dialog's current question."""
    list_picker: bool = False
    """A native list to pick an option from."""
    edits: bool = False
    """A sent message can be replaced in place (``Reply.edit_of``); without, the replacement is skipped."""
    asks_location: bool = False
    """An option can be a button that sends the person's location."""
    asks_contact: bool = False
    """An option can be a button that sends the person's own phone number."""
    opens_reply_box: bool = False
    """A prompt in a group chat can open the reply box for its answer (``Reply.expects_reply``)."""
    group_chats: bool = False
    """A group chat of this channel can be a department's staff chat (``<channel>:<bot>:<negative id>``)."""
    text_limit: int = 4096
    """Characters of one message; a longer text goes in several."""
    caption_limit: int = 0
    """Characters of a photo's caption (0: no captions, the text goes separately)."""


def encode_option(nonce: int, value: str) -> str:
    return f"{nonce}:{value}"


def decode_option(raw: str) -> tuple[int | None, str]:
    nonce, sep, value = raw.partition(":")
    if sep and nonce.isdigit():
        return int(nonce), value
    return None, raw


def bot_of(address: str) -> int | None:
    """The bot of an address that names one (``<channel>:<bot>:<chat>``); ``None`` for others."""
    parts = address.split(":")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None
