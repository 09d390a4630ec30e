"""Submitting a request in as few answers as the data allow: category, description, send.

    category ─► description ─► confirm ─► ticket
    (main menu words) ─► from_words ─► category (unless the words name one) ─► confirm
    confirm ─(✅ Send)─► same (only when similar open requests exist: flows/same_problem.py) ─► send

The description step takes text, a voice note, photos and a location pin in any order; the
first words (or voice note) lead to the confirm screen, which takes more photos, voice notes,
pins and words too, and offers to change each part (✏️) besides sending or cancelling.
Nothing asks for a photo or a place on its own: they come with the messages that carry them.
"""

from handlers.engine.flow import Flow, Step
from handlers.engine.matching import option_named_in
from handlers.engine.prompts import YES_WORDS, confirm_cancel_step, explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import Asks, InputKind, Option
from handlers.errors import NotFound
from handlers.i18n import N_, format_date, pick
from handlers.requests.flows import place, same_problem
from handlers.requests.flows.draft_input import (
    accept_description,
    described,
    draft_of,
    keep,
    take_extra,
)
from handlers.requests.privacy import PrivateSubmission
from handlers.requests.words import category_options
from handlers.services import places
from handlers.services.requests import Draft, do_submit_request, shorten
from handlers.staff.cards import do_post_card
from storage.enums import AttachmentKind

CANCEL = "cancel"
MENU = "menu"
PIN = "pin"
SEND = "send"
SEND_PRIVATELY = "send:private"
EDIT_CATEGORY, EDIT_TEXT, EDIT_PLACE = "edit:category", "edit:text", "edit:place"


def _private(turn: Turn) -> PrivateSubmission | None:
    """Offered when a feature publishes requests (transparency's page and API) and so lets one be kept out."""
    provided = turn.config.features.provided(PrivateSubmission)
    return provided[0] if provided else None


def _cancel(turn: Turn) -> Option:
    return turn.option(CANCEL, "✖ Cancel")


def _next(turn: Turn, draft: Draft) -> None:
    """To the confirm screen once the request says what and is about; to what is missing otherwise."""
    if draft.category_id is None:
        turn.go("request", "category")
    elif not described(draft):
        turn.go("request", "description")
    else:
        turn.go("request", "confirm")


# -- category ---------------------------------------------------------------------------------
async def ask_category(turn: Turn) -> None:
    options = category_options(await places.categories(turn.session, turn.municipality_id))
    draft = draft_of(turn)
    leave = _cancel(turn) if described(draft) else turn.option(MENU, "◀ Main menu")
    turn.ask(turn._("What is the problem about? Choose a category."), options + [leave])


async def on_category(turn: Turn) -> None:
    choice = turn.choice()
    if choice == MENU:
        turn.go_home()
    elif choice is None or not choice.startswith("c:"):
        explain_unexpected(turn)
    else:
        draft = draft_of(turn)
        draft.category_id = int(choice.removeprefix("c:"))
        keep(turn, draft)
        _next(turn, draft)


async def ask_from_words(turn: Turn) -> None:
    """Words typed at the main menu: they are the description; the category is asked unless they name one."""
    said = turn.data.get("said", "")
    turn.conversation.data = {}
    draft = Draft()
    if not accept_description(turn, draft, said):
        turn.go("request", "description")
        return
    options = category_options(await places.categories(turn.session, turn.municipality_id))
    named = option_named_in(said, options)
    draft.category_id = int(named.removeprefix("c:")) if named else None
    keep(turn, draft)
    _next(turn, draft)


async def on_from_words(turn: Turn) -> None:
    _next(turn, draft_of(turn))  # not reached: the prompt always moves on


# -- description ------------------------------------------------------------------------------
async def ask_description(turn: Turn) -> None:
    options = [_cancel(turn)]
    if turn.capabilities.asks_location:
        options.insert(0, turn.option(PIN, "📍 Send my location", asks=Asks.LOCATION))
        place_hint = turn._("You can add photos, a voice message or a location pin, before or after the text.")
    else:
        place_hint = turn._("You can add photos, a voice message or a location (📎 → Location), "
                            "before or after the text.")
    turn.ask(turn._("Describe the problem briefly: what happened, where, since when.") + "\n" + place_hint, options)


async def on_description(turn: Turn) -> None:
    draft, kind = draft_of(turn), turn.kind
    if turn.choice() == PIN:  # chosen by number or words where no button can send a location
        turn.say(turn._("To send your location, use 📎 (attach) → Location, then send the point."))
    elif kind == InputKind.TEXT and not turn.number_out_of_range():
        if accept_description(turn, draft, turn.text, rewrite=turn.data.get("rewrite", False)):
            turn.update(rewrite=False)
            _next(turn, draft_of(turn))
    elif await take_extra(turn, draft):
        draft = draft_of(turn)
        if described(draft):
            _next(turn, draft)
        elif kind == InputKind.LOCATION or draft.attachments:
            turn.say(turn._("Now describe the problem in words or with a voice message."))
    else:
        explain_unexpected(turn)


# -- confirmation -----------------------------------------------------------------------------
async def ask_confirm(turn: Turn) -> None:
    draft = draft_of(turn)
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
    if draft.latitude is None and not draft.address_text:
        lines.append(turn._("Place: near your home (your quarter)"))
    lines.append(turn._("You can still add a photo, a voice message or a location."))
    options = [turn.option(SEND, "✅ Send", words=YES_WORDS + ("жөнөт", "отправь")),
               turn.option(EDIT_CATEGORY, "✏️ Category"), turn.option(EDIT_TEXT, "✏️ Description"),
               turn.option(EDIT_PLACE, "✏️ Place")]
    if (private := _private(turn)) is not None:
        options.append(turn.option(SEND_PRIVATELY, private.label))
    turn.ask("\n".join(lines), [*options, _cancel(turn)])


async def on_confirm(turn: Turn) -> None:
    choice, draft = turn.choice(), draft_of(turn)
    if choice == SEND:
        await _to_send(turn, draft, private=False)
    elif choice == SEND_PRIVATELY and _private(turn) is not None:
        await _to_send(turn, draft, private=True)
    elif choice == EDIT_CATEGORY:
        turn.go("request", "category")
    elif choice == EDIT_TEXT:
        turn.go("request", "description", rewrite=True)
    elif choice == EDIT_PLACE:
        turn.go("request", "place")
    elif await take_extra(turn, draft):
        pass  # said what was kept; the screen is shown again with it
    elif turn.kind == InputKind.TEXT and not turn.number_out_of_range() and not turn.ambiguous():
        if accept_description(turn, draft, turn.text):
            turn.say(turn._("Added to the description."))
    else:
        explain_unexpected(turn)


async def _to_send(turn: Turn, draft: Draft, *, private: bool) -> None:
    """Sends, unless similar open requests exist: then they are offered first (flows/same_problem.py)."""
    turn.go("request", "same" if await same_problem.similar_to(turn, draft) else "send", private=private)


async def ask_send(turn: Turn) -> None:
    await _do_send(turn, draft_of(turn), _private(turn) if turn.data.get("private") else None)


async def on_send(turn: Turn) -> None:
    turn.go_home()  # not reached: sending moves on to the main menu


async def _do_send(turn: Turn, draft: Draft, private: PrivateSubmission | None = None) -> None:
    request = await do_submit_request(turn.session, person=turn.resident, channel=turn.identity.channel,
                                      draft=draft, language=turn.language, now=turn.now, config=turn.config)
    if private is not None:
        await private.do_mark(turn.session, request, turn.now)
    await do_post_card(turn.session, request, turn.now)
    turn.say(turn._("Your request is registered. Its number is {ticket}.\n"
                    "The answer is due by law by: {date}\n"
                    "We will write to you here when its status changes.",
                    ticket=request.ticket, date=format_date(request.due_date, turn.language)))
    if private is not None:
        turn.say(turn._(private.notice))
    turn.go("menu", "main")


FLOW = Flow(
    name="request",
    first="category",
    times_out=True,
    steps={
        "category": Step(ask_category, on_category),
        "from_words": Step(ask_from_words, on_from_words),
        "description": Step(ask_description, on_description),
        "place": Step(place.ask_place, place.on_place),
        "confirm": Step(ask_confirm, on_confirm),
        "same": Step(same_problem.ask_same, same_problem.on_same),
        "send": Step(ask_send, on_send),
        "cancel": confirm_cancel_step(N_("Cancel this request? What you have told us will not be sent."),
                                      N_("Cancelled. The request was not sent.")),
    },
)
