"""Translations (gettext catalogs in locales/) and locale-aware formatting with Babel.

Source strings are English and marked with ``_()`` / ``N_()``; the ``ky`` and ``ru``
catalogs hold what people read. Dates are shown in Asia/Bishkek.
"""

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from handlers import dates
from storage.enums import Language

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAINS_FILE_SUFFIX = ".cfg"
BABEL_LOCALES = {Language.KY: "ky_KG", Language.RU: "ru_KG"}


def N_(message: str) -> str:
    """Marks a string for extraction; it is translated later, where the language is known."""
    return message


def n_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a plural pair for extraction (``n_:1,2``); translated later (``Turn.n_``, ``ngettext``)."""
    return singular, plural


def domains() -> list[str]:
    """The catalogs' domains: one per ``locales/<domain>.cfg`` (core texts, staff desk, …)."""
    return sorted(path.stem for path in LOCALES_DIR.glob("*" + DOMAINS_FILE_SUFFIX))


@cache
def translations(language: Language) -> Translations:
    """All domains' catalogs for the language, merged into one."""
    merged: Translations | None = None
    for domain in domains():
        if not (LOCALES_DIR / language.value / "LC_MESSAGES" / f"{domain}.po").exists():
            continue  # a domain with no texts yet
        loaded = Translations.load(str(LOCALES_DIR), [language.value], domain)
        if not isinstance(loaded, Translations):
            raise RuntimeError(f"no compiled catalog {domain!r} for {language.value!r} in {LOCALES_DIR}: "
                               "run scripts/i18n.sh compile")
        if merged is None:
            merged = loaded
        else:
            merged.merge(loaded)
    if merged is None:
        raise RuntimeError(f"no catalogs in {LOCALES_DIR}")
    return merged


def gettext(language: Language, message: str, /, **values: object) -> str:
    text = translations(language).gettext(message)
    return text.format(**values) if values else text


def ngettext(language: Language, singular: str, plural: str, n: int, /, **values: object) -> str:
    text = translations(language).ngettext(singular, plural, n)
    return text.format(n=format_number(n, language), **values)


def both(message: str, /, **values: object) -> tuple[str, str]:
    """The message in Kyrgyz and in Russian."""
    return gettext(Language.KY, message, **values), gettext(Language.RU, message, **values)


def format_date(day: date, language: Language) -> str:
    """«2026-жылдын 16-декабры» / «16 декабря 2026 г.» (``handlers.dates`` has the other cases)."""
    return dates.day(day, language)


def format_datetime(moment: datetime, language: Language, tz: ZoneInfo) -> str:
    """«16-декабрь, саат 15:00» / «16 декабря, 15:00» (the year when it is not this one)."""
    return dates.moment(moment, language, tz)


def format_number(number: float, language: Language) -> str:
    return format_decimal(number, locale=BABEL_LOCALES[language])


def format_share(part: int, whole: int, language: Language) -> str:
    """«37%» / «37 %» of the whole, whole percent; «—» when there is nothing to share."""
    return format_percent(part / whole, locale=BABEL_LOCALES[language]) if whole else "—"


def pick(language: Language, ky: str, ru: str) -> str:
    """Chooses between the two stored names of a database row."""
    return ky if language == Language.KY else ru
