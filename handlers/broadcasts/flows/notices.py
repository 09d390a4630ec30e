"""A resident's notice settings: mute or unmute ordinary announcements (emergencies always come)."""

from handlers.broadcasts.answers import do_set_muted, is_muted
from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import MAIN_MENU, explain_unexpected
from handlers.engine.turn import Turn


async def ask_show(turn: Turn) -> None:
    if await is_muted(turn.session, turn.resident.id):
        text = turn._("You do not receive ordinary announcements. Emergency notices still come.")
        toggle = turn.option("unmute", "🔔 Receive announcements")
    else:
        text = turn._("You receive the announcements of your quarter and municipality.")
        toggle = turn.option("mute", "🔕 Mute ordinary announcements")
    turn.ask(text, [toggle, turn.option("menu", MAIN_MENU)])


async def on_show(turn: Turn) -> None:
    choice = turn.choice()
    if choice in ("mute", "unmute"):
        await do_set_muted(turn.session, turn.resident.id, choice == "mute", turn.now)
        turn.say(turn._("Done: ordinary announcements are muted.") if choice == "mute"
                 else turn._("Done: you will receive announcements again."))
        turn.go("menu", "main")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


FLOW = Flow(name="notices", first="show", steps={"show": Step(ask_show, on_show)})
