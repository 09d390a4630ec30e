"""Twilio's WhatsApp webhook forms → the core's plain ``Incoming``."""

from collections.abc import Mapping

from handlers.envelope import Attachment, Incoming, InputKind, Location, decode_option
from storage.enums import AttachmentKind, Channel

PREFIX = "whatsapp:"


def attachment_kind(content_type: str) -> AttachmentKind | None:
    """What a media type is to us; ``None`` for a sticker (an image/webp on WhatsApp)."""
    if content_type == "image/webp":
        return None
    if content_type.startswith("image/"):
        return AttachmentKind.PHOTO
    if content_type.startswith("audio/"):
        return AttachmentKind.VOICE
    if content_type.startswith("video/"):
        return AttachmentKind.VIDEO
    return AttachmentKind.DOCUMENT


INPUT_KIND = {AttachmentKind.PHOTO: InputKind.PHOTO, AttachmentKind.VOICE: InputKind.VOICE,
              AttachmentKind.VIDEO: InputKind.VIDEO, AttachmentKind.DOCUMENT: InputKind.DOCUMENT}


def _media(form: Mapping[str, str]) -> tuple[list[Attachment], bool]:
    attachments, sticker = [], False
    for index in range(int(form.get("NumMedia") or 0)):
        url, content_type = form.get(f"MediaUrl{index}"), (form.get(f"MediaContentType{index}") or "").lower()
        kind = attachment_kind(content_type)
        if kind is None:
            sticker = True
        elif url:
            attachments.append(Attachment(kind, url, content_type or None))
    return attachments, sticker


def _kind(form: Mapping[str, str], attachments: list[Attachment], sticker: bool) -> tuple[InputKind, str | None]:
    body = form.get("Body") or ""
    if form.get("Latitude") and form.get("Longitude"):
        return InputKind.LOCATION, None
    if attachments:
        return INPUT_KIND[attachments[0].kind], body or None
    if sticker:
        return InputKind.STICKER, None
    if body.strip():
        return InputKind.TEXT, body
    place = " ".join(x for x in (form.get("Label"), form.get("Address")) if x)
    if place:  # a shared place without coordinates: its name is still an address
        return InputKind.TEXT, place
    return InputKind.OTHER, None


def album_of(form: Mapping[str, str]) -> str | None:
    """Photos (or files) sent one after another make one step, as an album does on Telegram: WhatsApp
    sends each as its own message. A tap, a pin, a sticker or a text is a step of its own."""
    if form.get("ListId") or form.get("ButtonPayload") or form.get("Latitude"):
        return None
    attachments, _sticker = _media(form)
    return "media" if attachments else None


def form_to_incoming(form: Mapping[str, str], intake_id: int | None = None) -> Incoming:
    sender = form["From"]
    phone = "+" + form["WaId"] if form.get("WaId") else sender.removeprefix(PREFIX)
    attachments, sticker = _media(form)
    kind, text = _kind(form, attachments, sticker)
    option = None
    payload = form.get("ListId") or form.get("ButtonPayload")
    if payload:  # a list item or quick-reply button: ours carry "nonce:value"; a template's own, its words
        if decode_option(payload)[0] is not None:
            kind, option, text = InputKind.OPTION, payload, None
        else:
            kind, text = InputKind.TEXT, form.get("ListTitle") or form.get("ButtonText") or payload
    location = None
    if kind == InputKind.LOCATION:
        location = Location(float(form["Latitude"]), float(form["Longitude"]))
    return Incoming(channel=Channel.WHATSAPP, address=sender, kind=kind, text=text, option=option,
                    attachments=tuple(attachments), location=location, display_name=form.get("ProfileName"),
                    phone=phone, intake_id=intake_id)
