"""The main menu and /help, made of the features' menu entries and help lines.

``HOME`` is the engine's own feature: the menu flow, its "❓ Help" entry, and /menu.
"""

from handlers.engine.feature import CommandSpec, Feature, MenuEntry
from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import InputKind
from handlers.i18n import N_

HELP_VALUE = "help"


async def shown_entries(turn: Turn) -> list[MenuEntry]:
    """The entries this person sees; each audience is asked once per menu."""
    seen: dict[object, bool] = {}
    shown = []
    for entry in turn.config.features.menu:
        audience = entry.shown_to
        if audience is not None and audience not in seen:
            seen[audience] = await audience(turn)
        if audience is None or seen[audience]:
            shown.append(entry)
    return shown


async def ask_main(turn: Turn) -> None:
    question = turn._("Main menu. What would you like to do?")
    if turn.config.features.words_at_home is not None:
        question += "\n" + turn._("To report a problem, you can also simply describe it here.")
    turn.ask(question, [turn.option(entry.value, entry.label) for entry in await shown_entries(turn)])


async def on_main(turn: Turn) -> None:
    choice = turn.choice()
    for entry in turn.config.features.menu:
        if choice == entry.value:
            if entry.target is None:
                say_help(turn)
            else:
                turn.go(*entry.target)
            return
    described = turn.config.features.words_at_home
    if described is not None and describes_something(turn):
        turn.go(*described, said=turn.text)
    else:
        explain_unexpected(turn)


def describes_something(turn: Turn) -> bool:
    """Words that could be a problem's description: two words or more, not a number nor a choice."""
    words = [word for word in turn.text.split() if any(ch.isalpha() for ch in word)]
    return turn.kind == InputKind.TEXT and len(words) >= 2 and not turn.ambiguous()


def say_help(turn: Turn) -> None:
    lines = [turn._("Here you can report a problem to the municipality (water, roads, garbage, lighting and more), "
                    "follow its status and receive the answer."),
             turn._("Send the number of an option, or its words.") if turn.capabilities.numbered_choices
             else turn._("Answer with the buttons, or send the number of an option.")]
    lines += [turn._(line) for line in turn.config.features.help_lines]
    turn.say("\n".join(lines))


FLOW = Flow(name="menu", first="main", steps={"main": Step(ask_main, on_main)})
MAIN = FLOW.ref("main")

HOME = Feature(
    name="home",
    flows=(FLOW,),
    menu=(MenuEntry(HELP_VALUE, N_("❓ Help"), None),),
    commands=(CommandSpec(MAIN, ("/menu",), ("башкы меню", "главное меню", "меню", "menu")),),
    help=(N_("/menu: main menu"), N_("/cancel: stop what you are doing"), N_("/help: this help")),
)
