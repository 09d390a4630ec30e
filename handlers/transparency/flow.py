"""The resident's switch for the weekly digest: what it is, whether they get it, and a way to change it."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import MAIN_MENU, explain_unexpected
from handlers.engine.turn import Turn
from handlers.i18n import N_
from handlers.transparency.subscriptions import do_subscribe, do_unsubscribe, is_subscribed

MENU_LABEL = N_("📊 Weekly figures")
ON, OFF, BACK = "on", "off", "menu"


async def ask_digest(turn: Turn) -> None:
    subscribed = await is_subscribed(turn.session, turn.resident.id)
    lines = [turn._("Every Monday morning we can send you a short message: how many requests the municipality "
                    "received in the week and how many it answered."),
             turn._("You receive it now.") if subscribed else turn._("You do not receive it now.")]
    change = turn.option(OFF, N_("Stop it")) if subscribed else turn.option(ON, N_("Receive it"))
    turn.ask("\n\n".join(lines), [change, turn.option(BACK, MAIN_MENU)])


async def on_digest(turn: Turn) -> None:
    choice = turn.choice()
    if choice == ON:
        await do_subscribe(turn.session, turn.resident.id, turn.now)
        turn.say(turn._("Done: the weekly figures will come every Monday morning."))
        turn.go_home()
    elif choice == OFF:
        await do_unsubscribe(turn.session, turn.resident.id)
        turn.say(turn._("Done: the weekly figures will not come any more."))
        turn.go_home()
    elif choice == BACK:
        turn.go_home()
    else:
        explain_unexpected(turn)


FLOW = Flow(name="weekly", first="ask", steps={"ask": Step(ask_digest, on_digest)})
