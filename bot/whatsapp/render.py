"""The core's replies → WhatsApp texts: options become numbered lines."""

from bot.delivery.sender import split_text
from handlers.envelope import Reply
from handlers.i18n import N_, gettext
from storage.enums import Language

BODY_LIMIT = 1600
NUMBER_HINT = N_("(Reply with a number.)")


def body(reply: Reply) -> str:
    if not reply.options:
        return reply.text
    lines = [f"{index}. {reply.label(option)}" for index, option in enumerate(reply.options, start=1)]
    if reply.language:
        hint = gettext(reply.language, NUMBER_HINT)
    else:  # before the person chose a language
        hint = " / ".join(gettext(each, NUMBER_HINT) for each in (Language.KY, Language.RU))
    return "\n".join([reply.text, "", *lines, hint])


def bodies(reply: Reply) -> list[str]:
    """The message as WhatsApp can carry it (a long one in several parts, options last)."""
    return split_text(body(reply), BODY_LIMIT)
