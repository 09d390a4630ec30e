"""The main menu, help, and switching the language."""

from handlers.broadcasts.flows.entries import RESIDENT_ENTRIES, STAFF_ENTRIES, broadcast_menu_entries
from handlers.flows.base import Flow, Step
from handlers.flows.common import explain_unexpected
from handlers.flows.onboarding import LANGUAGE_OPTIONS, chosen_language
from handlers.i18n import N_
from handlers.initiatives.entries import ALL_ENTRIES as INITIATIVE_ENTRIES, initiative_menu_entries
from handlers.legal.flows import MENU_ENTRY as LEGAL_ENTRY
from handlers.turn import Turn

MENU_ENTRIES = [
    ("request:new", N_("📝 Submit a request"), ("request", "category")),
    ("requests:mine", N_("📋 My requests"), ("my_requests", "list")),
    ("language", N_("🌐 Language"), ("language", "choose")),
    ("help", N_("❓ Help"), None),
]


async def ask_main(turn: Turn) -> None:
    entries = MENU_ENTRIES + await initiative_menu_entries(turn) + await broadcast_menu_entries(turn) + [LEGAL_ENTRY]
    turn.ask(turn._("Main menu. What would you like to do?"),
             [turn.option(value, label) for value, label, _target in entries])


async def on_main(turn: Turn) -> None:
    choice = turn.choice()
    for value, _label, target in MENU_ENTRIES + INITIATIVE_ENTRIES + STAFF_ENTRIES + RESIDENT_ENTRIES + [LEGAL_ENTRY]:
        if choice == value:
            if target is None:
                say_help(turn)
            else:
                turn.go(*target)
            return
    explain_unexpected(turn)


def say_help(turn: Turn) -> None:
    turn.say(turn._(
        "Here you can report a problem to the municipality (water, roads, garbage, lighting and more), "
        "follow its status and receive the answer.\n"
        "Answer with the buttons, or send the number of an option.\n"
        "/menu: main menu\n/my: my requests\n/legal: a legal question\n/groups: initiative groups\n"
        "/hearings: public hearings\n/notices: announcements on again\n/language: change the language\n"
        "/mydata: the data we keep about you\n/cancel: stop what you are doing\n/help: this help"))


async def ask_language(turn: Turn) -> None:
    turn.ask(turn._("Choose the language:"), LANGUAGE_OPTIONS)


async def on_language(turn: Turn) -> None:
    language = chosen_language(turn)
    if language is None:
        explain_unexpected(turn)
        return
    turn.conversation.language = language
    if turn.person is not None:
        turn.person.language = language
    turn.say(turn._("The language is changed."))
    turn.go("menu", "main")


FLOW = Flow(name="menu", first="main", steps={"main": Step(ask_main, on_main)})
LANGUAGE_FLOW = Flow(name="language", first="choose", steps={"choose": Step(ask_language, on_language)})
