"""Submitting a request: category, description, photos, location, confirmation, ticket."""

import math

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import confirm_cancel_step, explain_unexpected, lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import Asks, Attachment, InputKind, Option
from handlers.errors import NotFound
from handlers.i18n import N_, format_date, format_number, pick
from handlers.services import places
from handlers.services.requests import Draft, do_submit_request, shorten
from handlers.staff.cards import do_post_card
from storage.db import get_referenced
from storage.enums import AttachmentKind
from storage.models import Municipality

CANCEL = "cancel"


def _cancel(turn: Turn) -> Option:
    return turn.option(CANCEL, "✖ Cancel")


def _draft(turn: Turn) -> Draft:
    return Draft.load(turn.data)


def _keep(turn: Turn, draft: Draft) -> None:
    turn.conversation.data = draft.save(turn.data)


def _attach(draft: Draft, attachments: tuple[Attachment, ...]) -> None:
    for a in attachments:
        draft.attachments.append({"kind": a.kind.value, "ref": a.ref, "mime_type": a.mime_type})


# -- category ---------------------------------------------------------------------------------
async def ask_category(turn: Turn) -> None:
    found = await places.categories(turn.session, turn.municipality_id)
    options = [Option(f"c:{c.id}", c.name_ky, c.name_ru) for c in found]
    turn.ask(turn._("What is the problem about? Choose a category."), options + [_cancel(turn)])


async def on_category(turn: Turn) -> None:
    choice = turn.choice()
    if choice is None:
        explain_unexpected(turn)
        return
    draft = Draft(category_id=int(choice.removeprefix("c:")))
    _keep(turn, draft)
    turn.go("request", "description")


# -- description ------------------------------------------------------------------------------
async def ask_description(turn: Turn) -> None:
    draft = _draft(turn)
    options = [_cancel(turn)]
    if draft.attachments:
        options.insert(0, turn.option("continue", "Continue ▶"))
    turn.ask(turn._("Describe the problem briefly: what happened, where, since when. "
                    "You can also send a voice message or a photo."), options)


async def on_description(turn: Turn) -> None:
    draft, kind = _draft(turn), turn.kind
    if turn.choice() == "continue" and draft.attachments:
        turn.go("request", "photos")
    elif kind == InputKind.TEXT:
        if _accept_description(turn, draft, turn.text):
            turn.go("request", "photos")
    elif kind == InputKind.VOICE:
        _attach(draft, turn.message.attachments)
        _keep(turn, draft)
        turn.say(turn._("The voice message is kept. You can add a few words in text, or press «Continue»."))
    elif kind in (InputKind.PHOTO, InputKind.DOCUMENT):
        _attach(draft, turn.message.attachments)
        _keep(turn, draft)
        if turn.text and _accept_description(turn, draft, turn.text):
            turn.say(turn.n_("{n} photo added.", "{n} photos added.", draft.count(AttachmentKind.PHOTO)))
            turn.go("request", "photos")
        elif not turn.text:
            turn.say(turn._("The photo is added. Now describe the problem briefly in words."))
    else:
        explain_unexpected(turn)


def _accept_description(turn: Turn, draft: Draft, text: str) -> bool:
    limit = turn.config.max_description_chars
    if lacks_words(text):
        turn.say(turn._("Please describe the problem in words, so that the staff understand it."))
        return False
    if len(text) > limit:
        turn.say(turn._("Your text is too long ({length} characters). Please write it shorter, "
                        "up to {limit} characters.",
                        length=format_number(len(text), turn.language), limit=format_number(limit, turn.language)))
        return False
    draft.description = f"{draft.description}\n{text}".strip() if draft.description else text
    _keep(turn, draft)
    return True


# -- photos -----------------------------------------------------------------------------------
async def ask_photos(turn: Turn) -> None:
    photos = _draft(turn).count(AttachmentKind.PHOTO)
    done = turn.option("done", "Done ▶") if photos else turn.option("done", "Skip ▶")
    turn.ask(turn._("Send a photo of the problem if you can (up to {limit}), or press «{button}».",
                    limit=turn.config.max_photos, button=done.label(turn.language)), [done, _cancel(turn)])


async def on_photos(turn: Turn) -> None:
    draft, kind = _draft(turn), turn.kind
    if turn.choice() == "done":
        turn.go("request", "location")
    elif kind in (InputKind.PHOTO, InputKind.DOCUMENT, InputKind.VOICE):
        room = turn.config.max_photos - draft.count(AttachmentKind.PHOTO)
        if room <= 0:
            turn.say(turn._("That is enough photos, thank you."))
            turn.go("request", "location")
            return
        _attach(draft, turn.message.attachments[:room])
        if turn.text:
            draft.description = f"{draft.description}\n{turn.text}".strip()
        _keep(turn, draft)
        if kind == InputKind.VOICE:
            turn.say(turn._("The voice message is kept."))
        else:
            turn.say(turn.n_("{n} photo added.", "{n} photos added.", draft.count(AttachmentKind.PHOTO)))
    elif kind == InputKind.TEXT and not turn.number_out_of_range():
        if _accept_description(turn, draft, turn.text):
            turn.say(turn._("Added to the description."))
    else:
        explain_unexpected(turn)


# -- location ---------------------------------------------------------------------------------
async def ask_location(turn: Turn) -> None:
    turn.ask(turn._("Where is the problem? Send a location pin (📎 → Location), or write the address "
                    "or a landmark. If it is at your home address, press «Skip»."),
             [turn.option("skip", "Skip ▶"), turn.option("here", "📍 Send my location", asks=Asks.LOCATION),
              _cancel(turn)])


async def on_location(turn: Turn) -> None:
    draft, kind, choice = _draft(turn), turn.kind, turn.choice()
    if choice == "skip":
        turn.go("request", "confirm")
    elif choice == "here":  # chosen by number or words where no button can send a location
        turn.say(turn._("To send your location, use 📎 (attach) → Location, then send the point."))
    elif kind == InputKind.LOCATION:
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
        draft.latitude, draft.longitude = point.latitude, point.longitude
        _keep(turn, draft)
        turn.go("request", "confirm")
    elif kind == InputKind.TEXT and not turn.number_out_of_range():
        if lacks_words(turn.text):
            turn.say(turn._("Please write the address or a landmark in words."))
        elif len(turn.text) > turn.config.max_address_chars:
            turn.say(turn._("The address is too long. Please write it shorter, up to {limit} characters.",
                            limit=turn.config.max_address_chars))
        else:
            draft.address_text = turn.text
            _keep(turn, draft)
            turn.go("request", "confirm")
    else:
        explain_unexpected(turn)


def distance_km(municipality: Municipality, latitude: float, longitude: float) -> float | None:
    """Great-circle distance from the municipality's centre, if it has one."""
    if municipality.center_lat is None or municipality.center_lon is None or municipality.radius_km is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (municipality.center_lat, municipality.center_lon, latitude, longitude))
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


# -- confirmation -----------------------------------------------------------------------------
async def ask_confirm(turn: Turn) -> None:
    draft = _draft(turn)
    category = await places.category_in(turn.session, turn.municipality_id, draft.category_id or 0)
    if category is None:
        raise NotFound(f"category {draft.category_id} is not offered in municipality {turn.municipality_id}")
    lines = [turn._("Please check your request:"),
             turn._("Category: {name}", name=pick(turn.language, category.name_ky, category.name_ru)),
             turn._("Description: {text}", text=shorten(draft.description, 600) or "—")]
    photos, voices = draft.count(AttachmentKind.PHOTO), draft.count(AttachmentKind.VOICE)
    if photos:
        lines.append(turn.n_("{n} photo", "{n} photos", photos))
    if voices:
        lines.append(turn.n_("{n} voice message", "{n} voice messages", voices))
    if draft.latitude is not None:
        lines.append(turn._("Location: a point on the map"))
    if draft.address_text:
        lines.append(turn._("Address: {address}", address=draft.address_text))
    turn.ask("\n".join(lines), [turn.option("send", "✅ Send"), _cancel(turn)])


async def on_confirm(turn: Turn) -> None:
    if turn.choice() != "send":
        explain_unexpected(turn)
        return
    request = await do_submit_request(turn.session, person=turn.resident, channel=turn.identity.channel,
                                      draft=_draft(turn), language=turn.language, now=turn.now, config=turn.config)
    await do_post_card(turn.session, request, turn.now)
    turn.say(turn._("Your request is registered. Its number is {ticket}.\n"
                    "The answer is due by law by: {date}\n"
                    "We will write to you here when its status changes.",
                    ticket=request.ticket, date=format_date(request.due_date, turn.language)))
    turn.go("menu", "main")


FLOW = Flow(
    name="request",
    first="category",
    times_out=True,
    steps={
        "category": Step(ask_category, on_category),
        "description": Step(ask_description, on_description),
        "photos": Step(ask_photos, on_photos),
        "location": Step(ask_location, on_location),
        "confirm": Step(ask_confirm, on_confirm),
        "cancel": confirm_cancel_step(N_("Cancel this request? What you have told us will not be sent."),
                                      N_("Cancelled. The request was not sent.")),
    },
)
