"""Commands a person can give at any step, as /commands or as words in either language."""

from enum import StrEnum

from handlers.envelope import Incoming, InputKind


class Command(StrEnum):
    START = "start"
    CANCEL = "cancel"
    HELP = "help"
    LANGUAGE = "language"
    MENU = "menu"
    MY_REQUESTS = "my"
    MY_DATA = "mydata"
    BROADCAST = "broadcast"
    BROADCASTS = "broadcasts"
    NOTICES = "notices"
    LEGAL = "legal"
    GROUPS = "groups"
    HEARINGS = "hearings"
    UNKNOWN = "unknown"


SLASH = {
    "/start": Command.START, "/cancel": Command.CANCEL, "/stop": Command.CANCEL, "/help": Command.HELP,
    "/language": Command.LANGUAGE, "/lang": Command.LANGUAGE, "/til": Command.LANGUAGE,
    "/menu": Command.MENU, "/my": Command.MY_REQUESTS, "/requests": Command.MY_REQUESTS,
    "/mydata": Command.MY_DATA,
    "/broadcast": Command.BROADCAST, "/announce": Command.BROADCAST, "/broadcasts": Command.BROADCASTS,
    "/notices": Command.NOTICES,
    "/groups": Command.GROUPS, "/hearings": Command.HEARINGS,
    "/legal": Command.LEGAL, "/law": Command.LEGAL,
}
WORDS = {
    "жокко чыгаруу": Command.CANCEL, "отмена": Command.CANCEL, "отменить": Command.CANCEL,
    "cancel": Command.CANCEL, "стоп": Command.CANCEL,
    "жардам": Command.HELP, "помощь": Command.HELP, "help": Command.HELP,
    "башкы меню": Command.MENU, "главное меню": Command.MENU, "меню": Command.MENU, "menu": Command.MENU,
    "тил": Command.LANGUAGE, "язык": Command.LANGUAGE,
}


def parse_command(incoming: Incoming | None) -> tuple[Command, str] | None:
    """The command in a text message, with the word as typed; ``None`` for ordinary text."""
    if incoming is None or incoming.kind != InputKind.TEXT or not incoming.text:
        return None
    text = incoming.text.strip()
    if text.startswith("/") and len(text) > 1:
        word = text.split()[0].split("@")[0].casefold()
        return SLASH.get(word, Command.UNKNOWN), word
    words = " ".join(text.casefold().strip(" .!").split())
    if words in WORDS:
        return WORDS[words], words
    return None
