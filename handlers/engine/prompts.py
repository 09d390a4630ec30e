"""Pieces several flows share: hints for unexpected input, paged option lists, and the labels
every feature offers (the main menu, cancel), translated once in the core catalog."""

from handlers.engine.flow import Step
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.i18n import N_

MAIN_MENU = N_("◀ Main menu")
CANCEL = N_("✖ Cancel")

YES_WORDS = ("ооба", "оба", "макул", "макулмун", "туура", "да", "согласен", "согласна", "конечно", "хорошо",
             "ок", "ok", "yes")
"""Ordinary words for "yes" in Kyrgyz and Russian, for the options that mean it (engine/matching.py)."""
NO_WORDS = ("жок", "жок рахмат", "макул эмесмин", "нет", "не согласен", "не согласна", "no")
"""Ordinary words for "no"."""

PAGE_NEXT = "page:next"
PAGE_PREV = "page:prev"


def explain_unexpected(turn: Turn) -> None:
    """A short, polite hint for input the current step cannot use."""
    hints: dict[InputKind | None, str] = {
        InputKind.STICKER: turn._("Stickers are nice, but I cannot read them."),
        InputKind.VOICE: turn._("I cannot listen to voice messages at this step."),
        InputKind.PHOTO: turn._("A photo is not needed at this step."),
        InputKind.DOCUMENT: turn._("A file is not needed at this step."),
        InputKind.VIDEO: turn._("A video is not needed at this step."),
        InputKind.LOCATION: turn._("A location is not needed at this step."),
        InputKind.CONTACT: turn._("A contact is not needed at this step."),
    }
    hint = hints.get(turn.kind)
    if turn.ambiguous():
        hint = turn._("That fits several options.")
    if turn.number_out_of_range():
        hint = turn._("There is no option with that number. Please send a number from 1 to {count}.",
                      count=len(turn.offered()))
    if hint is None:
        hint = turn._("I did not understand that.")
    turn.say(hint + " " + turn._("Please choose one of the options below."))


def page_of(options: list[Option], page: int, size: int, turn: Turn) -> list[Option]:
    """One page of a long list, with 'more' and 'back' options around it."""
    last_page = max(0, (len(options) - 1) // size)
    page = min(max(page, 0), last_page)
    shown = options[page * size:(page + 1) * size]
    if page > 0:
        shown.append(turn.option(PAGE_PREV, "◀ Previous"))
    if page < last_page:
        shown.append(turn.option(PAGE_NEXT, "More ▶"))
    return shown


def turned_page(turn: Turn, choice: str | None) -> bool:
    """Handles 'more'/'back'; true when the person only turned the page."""
    if choice not in (PAGE_NEXT, PAGE_PREV):
        return False
    turn.update(page=turn.data.get("page", 0) + (1 if choice == PAGE_NEXT else -1))
    return True


def lacks_words(text: str) -> bool:
    """Empty, or emoji and punctuation with no letter or digit in it."""
    return not any(ch.isalnum() for ch in text)


YES_CANCEL = N_("Yes, cancel")
NO_CONTINUE = N_("No, continue")


def confirm_cancel_step(question: str, cancelled: str) -> Step:
    """The step named ``cancel`` of a flow with a draft: the Cancel button (or its number, easy to
    send by mistake) asks ``question`` first; yes says ``cancelled`` and goes home, no goes back to
    the step it was pressed in (``back``). Both texts are marked with ``N_`` by the feature."""

    async def ask(turn: Turn) -> None:
        turn.ask(turn._(question), [turn.option("cancel:yes", YES_CANCEL, words=YES_WORDS),
                                    turn.option("cancel:no", NO_CONTINUE, words=NO_WORDS)])

    async def handle(turn: Turn) -> None:
        choice = turn.choice()
        if choice == "cancel:yes":
            turn.say(turn._(cancelled))
            turn.go_home()
        elif choice == "cancel:no":
            flow = turn.config.features.flow(turn.conversation.flow)
            turn.go(flow.name, turn.data.get("back", flow.first))
        else:
            explain_unexpected(turn)

    return Step(ask, handle)
