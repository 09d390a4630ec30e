"""Switching the language (🌐 in the main menu, /language)."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.residents.onboarding import LANGUAGE_OPTIONS, chosen_language


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
    turn.go_home()


FLOW = Flow(name="language", first="choose", steps={"choose": Step(ask_language, on_language)})
