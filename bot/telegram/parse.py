"""Telegram messages and button presses → the core's plain ``Incoming``."""

from aiogram.types import CallbackQuery, Message

from handlers.envelope import Attachment, Incoming, InputKind, Location
from storage.enums import AttachmentKind, Channel


def address_of(bot_id: int, chat_id: int) -> str:
    return f"telegram:{bot_id}:{chat_id}"


def parse_address(address: str) -> tuple[int, int]:
    _channel, bot_id, chat_id = address.split(":")
    return int(bot_id), int(chat_id)


def routing_key(bot_id: int, update: dict) -> str:
    """The address an update belongs to, read from its raw JSON (for ordering per chat)."""
    for field in ("message", "edited_message", "callback_query", "my_chat_member"):
        body = update.get(field)
        if not body:
            continue
        chat = (body.get("message") or {}).get("chat") if field == "callback_query" else body.get("chat")
        if chat:
            return address_of(bot_id, chat["id"])
        if body.get("from"):
            return address_of(bot_id, body["from"]["id"])
    return f"telegram:{bot_id}:update"


def album_of(update: dict) -> str | None:
    """The album (``media_group_id``) a message's update belongs to, read from its raw JSON."""
    group = (update.get("message") or {}).get("media_group_id")
    return str(group) if group else None


def _kind_and_attachments(message: Message) -> tuple[InputKind, tuple[Attachment, ...]]:
    if message.photo:
        return InputKind.PHOTO, (Attachment(AttachmentKind.PHOTO, message.photo[-1].file_id, "image/jpeg"),)
    if message.voice:
        return InputKind.VOICE, (Attachment(AttachmentKind.VOICE, message.voice.file_id, message.voice.mime_type),)
    if message.audio:
        return InputKind.VOICE, (Attachment(AttachmentKind.VOICE, message.audio.file_id, message.audio.mime_type),)
    if message.video or message.video_note:
        video = message.video or message.video_note
        return InputKind.VIDEO, (Attachment(AttachmentKind.VIDEO, video.file_id, getattr(video, "mime_type", None)),)
    if message.document:
        mime = message.document.mime_type or ""
        kind = AttachmentKind.PHOTO if mime.startswith("image/") else AttachmentKind.DOCUMENT
        return InputKind.DOCUMENT, (Attachment(kind, message.document.file_id, mime or None),)
    if message.location or message.venue:
        return InputKind.LOCATION, ()
    if message.contact:
        return InputKind.CONTACT, ()
    if message.sticker or message.animation or message.dice:
        return InputKind.STICKER, ()
    if message.text is not None:
        return InputKind.TEXT, ()
    return InputKind.OTHER, ()


def message_to_incoming(message: Message, bot_id: int, intake_id: int | None) -> Incoming:
    kind, attachments = _kind_and_attachments(message)
    point = message.location or (message.venue.location if message.venue else None)
    user = message.from_user
    phone = None
    if message.contact and user and message.contact.user_id == user.id:
        phone = message.contact.phone_number  # only a person's own number, never a forwarded card
    return Incoming(
        channel=Channel.TELEGRAM,
        address=address_of(bot_id, message.chat.id),
        kind=kind,
        text=message.text if message.text is not None else message.caption,
        attachments=attachments,
        location=Location(point.latitude, point.longitude) if point else None,
        language_hint=user.language_code if user else None,
        display_name=user.full_name if user else None,
        phone=phone,
        intake_id=intake_id,
        received_at=message.date,
    )


def callback_to_incoming(query: CallbackQuery, bot_id: int, intake_id: int | None) -> Incoming:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return Incoming(
        channel=Channel.TELEGRAM,
        address=address_of(bot_id, chat_id),
        kind=InputKind.OPTION,
        option=query.data or "",
        language_hint=query.from_user.language_code,
        display_name=query.from_user.full_name,
        intake_id=intake_id,
    )
