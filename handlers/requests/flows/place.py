"""Where the problem is, asked only when the resident wants to say it («📍 Place» on the confirm
screen): a pin, an address, the same place as their last request, or their own quarter."""

from handlers.engine.prompts import explain_unexpected, lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import Asks, InputKind
from handlers.requests.flows.draft_input import draft_of, keep, take_extra
from handlers.services.requests import last_place

SAME = "place:same"
HOME = "place:home"
PIN = "place:pin"
BACK = "place:back"


async def ask_place(turn: Turn) -> None:
    options = []
    last = await last_place(turn.session, turn.resident.id)
    if last is not None:
        where = last.address_text or turn._("a point on the map")
        options.append(turn.option(SAME, "📍 The same place: {where}", where=where[:40]))
    options.append(turn.option(HOME, "🏠 Near my home"))
    if turn.capabilities.asks_location:
        options.append(turn.option(PIN, "📍 Send my location", asks=Asks.LOCATION))
    options += [turn.option(BACK, "◀ Back"), turn.option("cancel", "✖ Cancel")]
    turn.ask(turn._("Where is the problem? Write the address or a landmark, or send a location pin "
                    "(📎 → Location)."), options)


async def on_place(turn: Turn) -> None:
    draft, choice = draft_of(turn), turn.choice()
    if choice == SAME and (last := await last_place(turn.session, turn.resident.id)) is not None:
        draft.latitude, draft.longitude, draft.address_text = last.latitude, last.longitude, last.address_text
        keep(turn, draft)
    elif choice == HOME:
        draft.latitude = draft.longitude = draft.address_text = None
        keep(turn, draft)
    elif choice == PIN:  # chosen by number or words where no button can send a location
        turn.say(turn._("To send your location, use 📎 (attach) → Location, then send the point."))
        return
    elif choice == BACK:
        pass
    elif turn.kind == InputKind.LOCATION:
        await take_extra(turn, draft)
        if draft_of(turn).latitude is None:
            return  # the point was refused: asked again
    elif turn.kind == InputKind.TEXT and not turn.number_out_of_range():
        if not _take_address(turn):
            return
    else:
        explain_unexpected(turn)
        return
    turn.go("request", "confirm")


def _take_address(turn: Turn) -> bool:
    if lacks_words(turn.text):
        turn.say(turn._("Please write the address or a landmark in words."))
        return False
    if len(turn.text) > turn.config.max_address_chars:
        turn.say(turn._("The address is too long. Please write it shorter, up to {limit} characters.",
                        limit=turn.config.max_address_chars))
        return False
    draft = draft_of(turn)
    draft.address_text, draft.latitude, draft.longitude = turn.text, None, None
    keep(turn, draft)
    return True
