"""Commands a person can give at any step, as /commands or as words in either language.

The engine's own (start, cancel, help) are here; the rest open a feature's flow and come
from the features' descriptions (``Feature.commands``).
"""

from enum import StrEnum

from handlers.engine.feature import FeatureSet
from handlers.engine.flow import StepRef
from handlers.envelope import Incoming, InputKind


class Builtin(StrEnum):
    START = "start"
    CANCEL = "cancel"
    HELP = "help"
    UNKNOWN = "unknown"


SLASH = {"/start": Builtin.START, "/cancel": Builtin.CANCEL, "/stop": Builtin.CANCEL, "/help": Builtin.HELP}
WORDS = {
    "жокко чыгаруу": Builtin.CANCEL, "отмена": Builtin.CANCEL, "отменить": Builtin.CANCEL,
    "cancel": Builtin.CANCEL, "стоп": Builtin.CANCEL,
    "жардам": Builtin.HELP, "помощь": Builtin.HELP, "help": Builtin.HELP,
}
Command = Builtin | StepRef
"""An engine command, or the step a feature's command opens."""


def parse_command(incoming: Incoming | None, features: FeatureSet) -> tuple[Command, str] | None:
    """The command in a text message, with the word as typed; ``None`` for ordinary text."""
    if incoming is None or incoming.kind != InputKind.TEXT or not incoming.text:
        return None
    text = incoming.text.strip()
    if text.startswith("/") and len(text) > 1:
        word = text.split()[0].split("@")[0].casefold()
        return SLASH.get(word) or features.slashes.get(word) or Builtin.UNKNOWN, word
    words = " ".join(text.casefold().strip(" .!").split())
    found = WORDS.get(words) or features.words.get(words)
    return (found, words) if found is not None else None
