"""The dialog: the neighbour's name, their quarter (one the head heads), street and house, category,
description, photos, an optional phone, the head's confirmation of the neighbour's consent."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import confirm_cancel_step, explain_unexpected, lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.errors import InvalidInput
from handlers.i18n import N_, format_date, pick
from handlers.neighbours.service import ForNeighbour, do_submit_for_neighbour, quarter_named, quarters_headed
from handlers.services import labels, places
from handlers.services.people import canonical_phone
from handlers.services.requests import Draft, shorten
from storage.enums import AttachmentKind
from storage.models import Quarter

NAME = "neighbour"
MAX_NAME_CHARS = 200


def _cancel(turn: Turn) -> Option:
    return turn.option("cancel", labels.CANCEL)


def _draft(turn: Turn) -> Draft:
    return Draft.load(turn.data)


def _keep(turn: Turn, draft: Draft, step: str | None = None, **values) -> None:
    turn.conversation.data = {**draft.save(turn.data), **values}
    if step is not None:
        turn.go(NAME, step)


def _texts(turn: Turn) -> str | None:
    """The message's words, if it is a text with words; otherwise explains and returns None."""
    if turn.kind != InputKind.TEXT or lacks_words(turn.text or ""):
        explain_unexpected(turn)
        return None
    return turn.text.strip()


# -- who may ------------------------------------------------------------------------------------
async def heads_a_quarter(turn: Turn) -> bool:
    """The menu entry and the command are for kvartalkom heads only."""
    return turn.person is not None and bool(await quarters_headed(turn.session, turn.person.id))


async def ask_name(turn: Turn) -> None:
    if not await heads_a_quarter(turn):
        turn.say(turn._("Only a kvartalkom head can submit a request for a neighbour. "
                        "To submit your own, choose «📝 Submit a request» in the menu."))
        turn.go_home()
        return
    turn.ask(turn._("A request for a neighbour who has no smartphone. What is the neighbour's full name?"),
             [_cancel(turn)])


async def on_name(turn: Turn) -> None:
    name = _texts(turn)
    if name is None:
        return
    if len(name) > MAX_NAME_CHARS:
        turn.say(turn._("The name is too long. Please write it shorter."))
        return
    _keep(turn, Draft(), "quarter", name=name)


# -- where --------------------------------------------------------------------------------------
async def ask_quarter(turn: Turn) -> None:
    quarters = await quarters_headed(turn.session, turn.resident.id)
    turn.ask(turn._("In which quarter does {name} live?", name=turn.data["name"]),
             [Option(f"q:{q.id}", q.name_ky, q.name_ru) for q in quarters] + [_cancel(turn)])


async def on_quarter(turn: Turn) -> None:
    choice = turn.choice()
    if choice is not None:
        _keep(turn, _draft(turn), "address", quarter_id=int(choice.removeprefix("q:")))
        return
    if turn.text and await quarter_named(turn.session, turn.municipality_id, turn.text) is not None:
        turn.say(turn._("You can submit only for neighbours in your own quarter. "
                        "A resident of another quarter can ask their kvartalkom head or the aiyl okmotu."))
    else:
        explain_unexpected(turn)


async def ask_address(turn: Turn) -> None:
    turn.ask(turn._("The street and house number of {name}:", name=turn.data["name"]), [_cancel(turn)])


async def on_address(turn: Turn) -> None:
    address = _texts(turn)
    if address is None:
        return
    if len(address) > turn.config.max_address_chars:
        turn.say(turn._(labels.ADDRESS_TOO_LONG, limit=turn.config.max_address_chars))
        return
    draft = _draft(turn)
    draft.address_text = address
    _keep(turn, draft, "category")


# -- what ---------------------------------------------------------------------------------------
async def ask_category(turn: Turn) -> None:
    found = await places.categories(turn.session, turn.municipality_id)
    turn.ask(turn._(labels.CHOOSE_CATEGORY),
             [Option(f"c:{c.id}", c.name_ky, c.name_ru) for c in found] + [_cancel(turn)])


async def on_category(turn: Turn) -> None:
    choice = turn.choice()
    if choice is None:
        explain_unexpected(turn)
        return
    draft = _draft(turn)
    draft.category_id = int(choice.removeprefix("c:"))
    _keep(turn, draft, "description")


async def ask_description(turn: Turn) -> None:
    turn.ask(turn._("Describe the neighbour's problem briefly: what happened, where, since when."), [_cancel(turn)])


async def on_description(turn: Turn) -> None:
    text = _texts(turn)
    if text is None:
        return
    if len(text) > turn.config.max_description_chars:
        turn.say(turn._("The text is too long. Please write it shorter, up to {limit} characters.",
                        limit=turn.config.max_description_chars))
        return
    draft = _draft(turn)
    draft.description = text
    _keep(turn, draft, "photos")


async def ask_photos(turn: Turn) -> None:
    photos = _draft(turn).count(AttachmentKind.PHOTO)
    done = turn.option("done", labels.DONE) if photos else turn.option("done", labels.SKIP)
    turn.ask(turn._("Send photos of the problem if you have them, or press «{button}».",
                    button=done.label(turn.language)), [done, _cancel(turn)])


async def on_photos(turn: Turn) -> None:
    draft = _draft(turn)
    if turn.choice() == "done":
        turn.go(NAME, "phone")
    elif turn.kind == InputKind.PHOTO:
        room = turn.config.max_photos - draft.count(AttachmentKind.PHOTO)
        draft.attachments += [{"kind": a.kind.value, "ref": a.ref, "mime_type": a.mime_type}
                              for a in turn.message.attachments[:max(room, 0)]]
        _keep(turn, draft)
        turn.say(turn.n_(*labels.PHOTOS_ADDED, draft.count(AttachmentKind.PHOTO)))
    else:
        explain_unexpected(turn)


# -- the neighbour's phone and consent ------------------------------------------------------------
async def ask_phone(turn: Turn) -> None:
    turn.ask(turn._("The neighbour's phone number, if they have one (+996…). If they later write to us "
                    "on Telegram or WhatsApp from it, they will see this request there. Or press «Skip»."),
             [turn.option("skip", labels.SKIP), _cancel(turn)])


async def on_phone(turn: Turn) -> None:
    if turn.choice() == "skip":
        turn.go(NAME, "consent", phone=None)
        return
    phone = canonical_phone(turn.text) if turn.kind == InputKind.TEXT else None
    if phone is None or not phone.startswith("+996") or len(phone) != 13:
        turn.say(turn._("This does not look like a Kyrgyz phone number. Please write it as +996 555 123 456, "
                        "or press «Skip»."))
        return
    turn.go(NAME, "consent", phone=phone)


async def ask_consent(turn: Turn) -> None:
    data, draft = turn.data, _draft(turn)
    quarter = await turn.session.get(Quarter, data["quarter_id"])
    lines = [turn._("Please check the request for {name}:", name=data["name"]),
             turn._(labels.ADDRESS, address=", ".join(
                 part for part in (pick(turn.language, quarter.name_ky, quarter.name_ru) if quarter else "",
                                   draft.address_text or "") if part)),
             turn._(labels.DESCRIPTION, text=shorten(draft.description, 600))]
    if data.get("phone"):
        lines.append(turn._(labels.PHONE, phone=data["phone"]))
    lines.append(turn._("I confirm that {name} asked me to submit this request and agreed that the aiyl okmotu "
                        "keeps their name, address and phone to answer it.", name=data["name"]))
    turn.ask("\n".join(lines), [turn.option("confirm", "✅ I confirm, send"), _cancel(turn)])


async def on_consent(turn: Turn) -> None:
    if turn.choice() != "confirm":
        explain_unexpected(turn)
        return
    data = turn.data
    appeal = ForNeighbour(data["name"], data["quarter_id"], data.get("phone"), turn.language, _draft(turn))
    try:
        request = await do_submit_for_neighbour(turn.session, turn.config, turn.resident, turn.identity.channel,
                                                appeal, turn.now)
    except InvalidInput:
        turn.say(turn._("The request could not be registered: please check the phone number."))
        turn.go(NAME, "phone")
        return
    turn.say(turn._("The request for {name} is registered. Its number is {ticket}.\n"
                    "The answer is due by law by: {date}\n"
                    "You will get every update here, marked «for {name}», to pass on.",
                    name=data["name"], ticket=request.ticket, date=format_date(request.due_date, turn.language)))
    turn.go_home()


FLOW = Flow(
    name=NAME,
    first="name",
    times_out=True,
    steps={
        "name": Step(ask_name, on_name),
        "quarter": Step(ask_quarter, on_quarter),
        "address": Step(ask_address, on_address),
        "category": Step(ask_category, on_category),
        "description": Step(ask_description, on_description),
        "photos": Step(ask_photos, on_photos),
        "phone": Step(ask_phone, on_phone),
        "consent": Step(ask_consent, on_consent),
        "cancel": confirm_cancel_step(N_("Cancel the request for the neighbour? Nothing will be sent."),
                                      N_("Cancelled. Nothing was sent.")),
    },
)
