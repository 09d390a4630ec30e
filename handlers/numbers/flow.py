"""The resident's view: the national emergency numbers, then the municipality's own, and a way back."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import MAIN_MENU, explain_unexpected
from handlers.engine.turn import Turn
from handlers.i18n import N_, pick
from handlers.numbers.models import UsefulNumber
from handlers.numbers.national import NATIONAL_NUMBERS
from handlers.numbers.services import numbers_of
from storage.models import Municipality

MENU_LABEL = N_("📞 Useful numbers")
BACK = "menu"


def _own_line(turn: Turn, number: UsefulNumber) -> str:
    line = f"{pick(turn.language, number.name_ky, number.name_ru)}: {number.phone}"
    note = pick(turn.language, number.note_ky or "", number.note_ru or "")
    return f"{line} ({note})" if note else line


async def numbers_text(turn: Turn) -> str:
    """The whole list in the person's language, short enough for a small screen."""
    lines = [turn._(MENU_LABEL), "", turn._("Emergency services, the same everywhere in Kyrgyzstan:")]
    lines += [f"{phone} — {turn._(name)}" for phone, name in NATIONAL_NUMBERS]
    municipality_id = turn.person.municipality_id if turn.person else None
    municipality = await turn.session.get(Municipality, municipality_id) if municipality_id is not None else None
    if municipality is None:  # not settled in a municipality: the national numbers still help
        return "\n".join(lines)
    own = await numbers_of(turn.session, municipality.id)
    lines += ["", pick(turn.language, municipality.name_ky, municipality.name_ru) + ":"]
    if own:
        lines += [_own_line(turn, number) for number in own]
    else:
        lines.append(turn._("Your municipality has not added its own numbers here yet. "
                            "In an emergency, call the numbers above."))
    return "\n".join(lines)


async def ask_numbers(turn: Turn) -> None:
    turn.ask(await numbers_text(turn), [turn.option(BACK, MAIN_MENU)])


async def on_numbers(turn: Turn) -> None:
    if turn.choice() == BACK:
        turn.go_home()
    else:
        explain_unexpected(turn)


FLOW = Flow(name="numbers", first="list", steps={"list": Step(ask_numbers, on_numbers)})
