"""What a resident sends while writing a request, kept in the draft: text, photos, voice notes
and a location pin, in any order and in any step of the request flow."""

import math

from handlers.engine.prompts import lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import Attachment, InputKind
from handlers.i18n import format_number, pick
from handlers.services.requests import Draft
from storage.db import get_referenced
from storage.enums import AttachmentKind
from storage.models import Municipality

MEDIA = (InputKind.PHOTO, InputKind.DOCUMENT, InputKind.VOICE)


def draft_of(turn: Turn) -> Draft:
    return Draft.load(turn.data)


def keep(turn: Turn, draft: Draft) -> None:
    turn.conversation.data = draft.save(turn.data)


def described(draft: Draft) -> bool:
    """Enough to send: words, or a voice message that says them."""
    return bool(draft.description) or draft.count(AttachmentKind.VOICE) > 0


def accept_description(turn: Turn, draft: Draft, text: str, *, rewrite: bool = False) -> bool:
    """Adds ``text`` to the description (or replaces it); false, with the reason said, if it cannot."""
    limit = turn.config.max_description_chars
    if lacks_words(text):
        turn.say(turn._("Please describe the problem in words, so that the staff understand it."))
        return False
    if len(text) > limit:
        turn.say(turn._("Your text is too long ({length} characters). Please write it shorter, "
                        "up to {limit} characters.",
                        length=format_number(len(text), turn.language), limit=format_number(limit, turn.language)))
        return False
    draft.description = f"{draft.description}\n{text}".strip() if draft.description and not rewrite else text
    keep(turn, draft)
    return True


async def take_extra(turn: Turn, draft: Draft) -> bool:
    """Keeps a photo (with its caption), a voice note or a location pin; true if the message was one.
    What was kept is said; a point outside the municipality is refused, politely."""
    kind = turn.kind
    if kind in MEDIA:
        _attach(turn, draft, turn.message.attachments)
        if turn.text and kind != InputKind.VOICE:
            accept_description(turn, draft, turn.text)
        keep(turn, draft)
        return True
    if kind == InputKind.LOCATION:
        await _take_point(turn, draft)
        return True
    return False


def _attach(turn: Turn, draft: Draft, attachments: tuple[Attachment, ...]) -> None:
    photos = [a for a in attachments if a.kind != AttachmentKind.VOICE]
    room = turn.config.max_photos - draft.count(AttachmentKind.PHOTO) - draft.count(AttachmentKind.DOCUMENT)
    if photos and room <= 0:
        turn.say(turn._("That is enough photos, thank you."))
    kept = [a for a in attachments if a.kind == AttachmentKind.VOICE] + photos[:max(room, 0)]
    for a in kept:
        draft.attachments.append({"kind": a.kind.value, "ref": a.ref, "mime_type": a.mime_type})
    if any(a.kind == AttachmentKind.VOICE for a in kept):
        turn.say(turn._("The voice message is kept."))
    elif kept:
        turn.say(turn.n_("{n} photo added.", "{n} photos added.", draft.count(AttachmentKind.PHOTO)))


async def _take_point(turn: Turn, draft: Draft) -> None:
    municipality = await get_referenced(turn.session, Municipality, turn.municipality_id)
    point = turn.message.location
    assert point is not None, "the channels give every location message its point"
    distance = distance_km(municipality, point.latitude, point.longitude)
    if distance is not None and municipality.radius_km is not None and distance > municipality.radius_km:
        turn.say(turn._("This point is {km} km from the centre of the municipality ({municipality}) "
                        "and seems to be outside it. "
                        "Please send another point, or write the address.",
                        km=format_number(round(distance), turn.language),
                        municipality=pick(turn.language, municipality.name_ky, municipality.name_ru)))
        return
    draft.latitude, draft.longitude, draft.address_text = point.latitude, point.longitude, None
    keep(turn, draft)
    turn.say(turn._("The place is noted."))


def distance_km(municipality: Municipality, latitude: float, longitude: float) -> float | None:
    """Great-circle distance from the municipality's centre, if it has one."""
    if municipality.center_lat is None or municipality.center_lon is None or municipality.radius_km is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (municipality.center_lat, municipality.center_lon, latitude, longitude))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))
