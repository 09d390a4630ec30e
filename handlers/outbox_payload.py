"""The one codec between a ``Reply`` and the JSON of the outbox ``payload`` column.

The stored shape (older rows have it too, so they still decode)::

    {"text": "…", "language": "ky" | "ru" | null, "nonce": 3 | null,
     "options": [{"value": "…", "label": "<in the reply's language>", "ky": "…", "ru": "…",
                  "asks": "location" | "contact"}],       # "ky"/"ru"/"asks" may be absent
     "template": {"key": "…", "variables": {"1": "…"}},   # each of these only when set
     "edit_of": <outbox id>, "reply_to": <outbox id>, "expects_reply": {…},
     "photo" | "voice": {"ref": "<file id>", "channel": "telegram", "bot": <bot id>},
     "location": {"latitude": …, "longitude": …}}

Older rows carry an option's label in the reply's language only: it stands for both.
"""

from typing import Any

from handlers.envelope import Asks, MapPin, Media, Option, Photo, Reply, Template, Voice
from storage.enums import Channel, Language

FILE_KINDS: dict[str, type[Photo] | type[Voice]] = {"photo": Photo, "voice": Voice}


def encode_reply(reply: Reply) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "text": reply.text,
        "language": reply.language.value if reply.language else None,
        "nonce": reply.nonce,
        "options": [_encode_option(reply, option) for option in reply.options],
    }
    if reply.template is not None:
        payload["template"] = {"key": reply.template.key, "variables": dict(reply.template.variables)}
    if reply.edit_of is not None:
        payload["edit_of"] = reply.edit_of
    if reply.reply_to is not None:
        payload["reply_to"] = reply.reply_to
    if reply.expects_reply is not None:
        payload["expects_reply"] = dict(reply.expects_reply)
    if reply.media is not None:
        payload.update(encode_media(reply.media))
    return payload


def decode_reply(payload: dict[str, Any]) -> Reply:
    language = Language(payload["language"]) if payload.get("language") else None
    template = payload.get("template")
    return Reply(
        text=payload["text"],
        options=tuple(_decode_option(option) for option in payload.get("options") or ()),
        nonce=payload.get("nonce"),
        language=language,
        template=Template(template["key"], dict(template.get("variables") or {})) if template else None,
        edit_of=payload.get("edit_of"),
        reply_to=payload.get("reply_to"),
        media=decode_media(payload),
        expects_reply=payload.get("expects_reply"),
    )


def encode_media(media: Media) -> dict[str, Any]:
    """``{"photo"|"voice": {…}}`` or ``{"location": {…}}``: also how a broadcast keeps its photo."""
    if isinstance(media, MapPin):
        return {"location": {"latitude": media.latitude, "longitude": media.longitude}}
    kind = next(kind for kind, cls in FILE_KINDS.items() if isinstance(media, cls))
    return {kind: {"ref": media.ref, "channel": media.channel.value, "bot": media.bot}}


def decode_media(stored: dict[str, Any]) -> Media | None:
    """The media of a stored payload (or of ``encode_media``'s dict), if it has any."""
    point = stored.get("location")
    if point:
        return MapPin(point["latitude"], point["longitude"])
    for kind, cls in FILE_KINDS.items():
        file = stored.get(kind)
        if file and file.get("ref"):
            return cls(file["ref"], Channel(file["channel"]), file.get("bot"))
    return None


def encode_photo(photo: Photo) -> dict[str, Any]:
    """A photo kept on its own (in a dialog's data, a broadcast's ``photo`` column)."""
    return encode_media(photo)["photo"]


def decode_photo(stored: dict[str, Any] | None) -> Photo | None:
    """The photo ``encode_photo`` kept (``{"ref", "channel", "bot"}``)."""
    return Photo(stored["ref"], Channel(stored["channel"]), stored.get("bot")) if stored else None


def _encode_option(reply: Reply, option: Option) -> dict[str, Any]:
    encoded = {"value": option.value, "label": reply.label(option), "ky": option.ky, "ru": option.ru}
    if option.asks:
        encoded["asks"] = option.asks.value
    return encoded


def _decode_option(stored: dict[str, Any]) -> Option:
    label = stored.get("label", "")
    asks = Asks(stored["asks"]) if stored.get("asks") else None
    return Option(stored["value"], stored.get("ky", label), stored.get("ru", label), asks)
