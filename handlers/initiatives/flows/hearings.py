"""A resident's public hearings: the coming ones, registering, and sending a proposal (text,
an optional photo), personally or for their group."""

from handlers.engine.prompts import MAIN_MENU, explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.errors import InvalidInput, NotAllowed
from handlers.i18n import format_datetime
from handlers.initiatives.hearings import hearing_text, upcoming
from handlers.initiatives.labels import HEARINGS_LABEL
from handlers.initiatives.proposals import MAX_TEXT, do_submit_proposal, groups_to_speak_for
from handlers.initiatives.registrations import do_register_turn, registration
from storage.db import get_referenced
from storage.enums import HearingStatus, Language
from storage.models import Hearing, InitiativeGroup


async def _hearing(turn: Turn) -> Hearing | None:
    hearing = await turn.session.get(Hearing, turn.data.get("hearing") or 0)
    if hearing is None or hearing.municipality_id != turn.municipality_id \
            or hearing.status == HearingStatus.CANCELLED:
        return None
    return hearing


async def ask_list(turn: Turn) -> None:
    found = await upcoming(turn.session, turn.municipality_id, turn.now)
    menu = turn.option("menu", MAIN_MENU)
    if not found:
        turn.ask(turn._("No public hearings are announced now. When the municipality announces one, "
                        "you will get an invitation."), [menu])
        return
    tz = turn.config.timezone
    options = [Option(f"h:{h.id}", f"{format_datetime(h.starts_at, Language.KY, tz)} · {h.title}",
                      f"{format_datetime(h.starts_at, Language.RU, tz)} · {h.title}") for h in found]
    turn.ask(turn._("Public hearings: choose one to register or to send a proposal."), options + [menu])


async def on_list(turn: Turn) -> None:
    choice = turn.choice() or ""
    if choice == "menu":
        turn.go("menu", "main")
    elif choice.startswith("h:"):
        turn.go("hearings", "hearing", hearing=int(choice[2:]))
    else:
        explain_unexpected(turn)


async def ask_hearing(turn: Turn) -> None:
    hearing = await _hearing(turn)
    if hearing is None:
        turn.go("hearings", "list")
        return
    text = hearing_text(hearing, turn.language, turn.config.timezone)
    options = []
    if await registration(turn.session, hearing.id, turn.resident.id) is not None:
        text += "\n\n" + turn._("✅ You are registered.")
    elif turn.now < hearing.starts_at:
        options.append(turn.option("register", "🙋 Register to attend"))
    options += [turn.option("propose", "💡 Send a proposal"), turn.option("back", HEARINGS_LABEL),
                turn.option("menu", MAIN_MENU)]
    turn.ask(text, options)


async def on_hearing(turn: Turn) -> None:
    choice = turn.choice()
    hearing = await _hearing(turn)
    if hearing is None or choice == "back":
        turn.go("hearings", "list")
    elif choice == "register":
        turn.say(await do_register_turn(turn, hearing))
        turn.go("menu", "main")
    elif choice == "propose":
        turn.go("hearings", "speak_for")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


async def ask_speak_for(turn: Turn) -> None:
    group_ids = sorted(await groups_to_speak_for(turn.session, turn.resident))
    if not group_ids:
        turn.go("hearings", "proposal", group=None)
        return
    options = [turn.option("me", "👤 Personally")]
    for group_id in group_ids:
        group = await get_referenced(turn.session, InitiativeGroup, group_id)
        options.append(Option(f"g:{group.id}", f"👥 {group.name_ky}", f"👥 {group.name_ru}"))
    turn.ask(turn._("Do you send the proposal personally or on behalf of your group?"),
             options + [turn.option("back", HEARINGS_LABEL)])


async def on_speak_for(turn: Turn) -> None:
    choice = turn.choice() or ""
    if choice == "me":
        turn.go("hearings", "proposal", group=None)
    elif choice.startswith("g:"):
        turn.go("hearings", "proposal", group=int(choice[2:]))
    elif choice == "back":
        turn.go("hearings", "list")
    else:
        explain_unexpected(turn)


async def ask_proposal(turn: Turn) -> None:
    turn.ask(turn._("Write your proposal or question in one message (at most {limit} characters). "
                    "You can send a photo with it as its caption.", limit=MAX_TEXT),
             [turn.option("back", HEARINGS_LABEL)])


async def on_proposal(turn: Turn) -> None:
    if turn.choice() == "back":
        turn.go("hearings", "list")
        return
    if turn.kind == InputKind.PHOTO and turn.message.attachments:
        turn.update(photo={"ref": turn.message.attachments[0].ref, "channel": turn.identity.channel.value,
                           "address": turn.identity.address})
        if not turn.text:
            turn.say(turn._("The photo is kept. Now write the proposal itself."))
            return
    elif turn.kind != InputKind.TEXT:
        explain_unexpected(turn)
        return
    hearing = await _hearing(turn)
    if hearing is None:
        turn.say(turn._("This hearing is no longer available."))
        turn.go("hearings", "list")
        return
    try:
        proposal = await do_submit_proposal(turn.session, hearing=hearing, person=turn.resident, text=turn.text,
                                            language=turn.language, now=turn.now, group_id=turn.data.get("group"),
                                            photo=turn.data.get("photo"))
    except NotAllowed:
        turn.say(turn._("You can send proposals only for a group you belong to."))
        turn.go("hearings", "speak_for")
        return
    except InvalidInput:
        turn.say(turn._("The proposal is empty or longer than {limit} characters. Please write it again.",
                        limit=MAX_TEXT))
        return
    if proposal.late:
        turn.say(turn._("The hearing «{title}» is already over, so your proposal #{id} is kept and marked as "
                        "late; the municipality will still see it.", title=hearing.title, id=proposal.id))
    else:
        turn.say(turn._("Thank you! Your proposal #{id} to the hearing «{title}» is received. We will tell you "
                        "its outcome.", id=proposal.id, title=hearing.title))
    turn.go("menu", "main")
