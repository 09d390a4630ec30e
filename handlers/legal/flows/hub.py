"""The legal help hub: ask a question, see one's questions, browse the answer base."""

from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.i18n import N_
from handlers.legal import labels

MENU_LABEL = N_("⚖️ Legal help")
TARGETS = {"ask": ("legal_ask", "topic"), "mine": ("legal_mine", "list"), "base": ("legal_base", "topics"),
           "menu": ("menu", "main")}


def menu_option(turn: Turn):
    return turn.option("menu", labels.MAIN_MENU)


async def ask_hub(turn: Turn) -> None:
    turn.ask(turn._("Legal help from the lawyers of the LSG Union. Ask a question, follow your questions, "
                    "or look in the base of published answers."),
             [turn.option("ask", "✍️ Ask a lawyer"), turn.option("mine", "📂 My questions"),
              turn.option("base", "📚 Answer base"), menu_option(turn)])


async def on_hub(turn: Turn) -> None:
    choice = turn.choice()
    if choice in TARGETS:
        turn.go(*TARGETS[choice])
    else:
        explain_unexpected(turn)
