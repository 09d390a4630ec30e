"""The core's reply payloads → WhatsApp texts: options become numbered lines."""

from bot.delivery.sender import split_text
from handlers.i18n import N_, gettext
from storage.enums import Language

BODY_LIMIT = 1600
NUMBER_HINT = N_("(Reply with a number.)")


def body(payload: dict) -> str:
    options = payload.get("options") or []
    if not options:
        return payload["text"]
    lines = [f"{index}. {option['label']}" for index, option in enumerate(options, start=1)]
    language = payload.get("language")
    if language:
        hint = gettext(Language(language), NUMBER_HINT)
    else:  # before the person chose a language
        hint = " / ".join(gettext(each, NUMBER_HINT) for each in (Language.KY, Language.RU))
    return "\n".join([payload["text"], "", *lines, hint])


def bodies(payload: dict) -> list[str]:
    """The message as WhatsApp can carry it (a long one in several parts, options last)."""
    return split_text(body(payload), BODY_LIMIT)
