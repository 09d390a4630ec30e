"""The writing rules a program can check (shared/kyrgyz_style.md, issue 16), over every catalog, and
the one date style per language (handlers/dates.py) with its Kyrgyz case endings."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from handlers.dates import at_moment, at_time, by_day, day, moment
from handlers.i18n import LOCALES_DIR, format_date, format_datetime, gettext
from storage.enums import Language

ROOT = Path(__file__).resolve().parent.parent
BISHKEK_TZ = __import__("zoneinfo").ZoneInfo("Asia/Bishkek")
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

def translations(language: str) -> list[tuple[str, str, str]]:
    """(file, msgid, one msgstr) for every translated text of a language's catalogs."""
    found = []
    for path in sorted((LOCALES_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as file:
            for message in read_po(file):
                if not message.id:
                    continue
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                strings = message.string if isinstance(message.string, (list, tuple)) else [message.string]
                found += [(path.name, msgid, text) for text in strings if text]
    return found


KY, RU = translations("ky"), translations("ru")


def test_the_catalogs_are_read():
    assert len(KY) > 500 and len(RU) > 500


def test_kyrgyz_addresses_the_reader_with_a_capital_siz():
    lower = re.compile(r"(?<!\w)сиз(?:дин|ге|ди|ден|де|дер\w*)?(?!\w)")
    assert [(f, text) for f, _, text in KY if lower.search(text)] == []


def test_no_comma_before_zhana():
    assert [(f, text) for f, _, text in KY if ", жана " in text] == []


def test_russian_has_no_bracketed_gender_endings():
    bracketed = re.compile(r"\w\((?:а|на|ла|ы)\)")
    assert [(f, msgid, text) for f, msgid, text in RU if bracketed.search(text)] == []


@pytest.mark.parametrize("words", ["баскычын басыңыз", "күйгүзүү", "кулактандыруларым",
                                   "Отчёт", "отчёт", "суунун өчүшү", "суроонуңуз", "Сиздин муниципалитеттин",
                                   "сүрөттүн жазуусу", "кызматкерлер бөлүгү", "-ж., "])
def test_kyrgyz_calques_and_typos_are_gone(words):
    assert [(f, text) for f, _, text in KY if words in text] == []


@pytest.mark.parametrize("words", ["нажмите «", "нажать «", "публичные слушания", "Юридическая помощь юристов"])
def test_russian_wording(words):
    assert [(f, text) for f, _, text in RU if words in text] == []


def test_no_date_is_formatted_outside_the_dates_module():
    """One date style per language: nothing in the bot or the back office formats a date for people itself."""
    offenders = []
    for folder in ("handlers", "backoffice", "bot", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if path.name == "dates.py":
                continue
            if re.search(r"babel\.dates|format_skeleton|strftime\(\"%d|strftime\('%d|%d\.%m\.%Y", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("month, nominative, by, on", [
    (1, "2026-жылдын 16-январы", "2026-жылдын 16-январына чейин", "16-январда"),
    (3, "2026-жылдын 16-марты", "2026-жылдын 16-мартына чейин", "16-мартта"),
    (4, "2026-жылдын 16-апрели", "2026-жылдын 16-апрелине чейин", "16-апрелде"),
    (5, "2026-жылдын 16-майы", "2026-жылдын 16-майына чейин", "16-майда"),
    (6, "2026-жылдын 16-июну", "2026-жылдын 16-июнуна чейин", "16-июнда"),
    (8, "2026-жылдын 16-августу", "2026-жылдын 16-августуна чейин", "16-августта"),
    (12, "2026-жылдын 16-декабры", "2026-жылдын 16-декабрына чейин", "16-декабрда"),
])
def test_kyrgyz_month_endings_follow_vowel_harmony(month, nominative, by, on):
    assert day(date(2026, month, 16), Language.KY) == nominative
    assert by_day(date(2026, month, 16), Language.KY) == by
    starts = datetime(2026, month, 16, 10, 0, tzinfo=BISHKEK_TZ)
    assert at_moment(starts, Language.KY, BISHKEK_TZ, now=NOW) == f"{on} саат 10:00дө"


@pytest.mark.parametrize("minute, ending", [(0, "дө"), (30, "да"), (15, "те"), (10, "до"), (40, "та"), (50, "дө"),
                                            (3, "тө"), (9, "да"), (20, "да"), (45, "те"), (7, "де")])
def test_the_time_takes_the_ending_of_its_spoken_minutes(minute, ending):
    starts = datetime(2026, 12, 16, 15, minute, tzinfo=BISHKEK_TZ)
    assert at_time(starts, Language.KY, BISHKEK_TZ) == f"саат 15:{minute:02d}{ending}"


def test_one_style_per_language_in_the_bot_and_the_back_office():
    starts = datetime(2026, 12, 16, 15, 0, tzinfo=BISHKEK_TZ)
    assert format_date(date(2026, 12, 16), Language.RU) == "16 декабря 2026 г."
    assert by_day(date(2026, 12, 16), Language.RU) == "до 16 декабря 2026 г."
    assert at_moment(starts, Language.RU, BISHKEK_TZ, now=NOW) == "16 декабря в 15:00"
    assert moment(starts, Language.KY, BISHKEK_TZ, now=NOW) == "16-декабрь, саат 15:00"
    assert moment(starts, Language.RU, BISHKEK_TZ, now=NOW) == "16 декабря, 15:00"
    assert moment(starts, Language.KY, BISHKEK_TZ, now=datetime(2025, 1, 1, tzinfo=UTC)) == \
        "2026-жылдын 16-декабры, саат 15:00"
    assert format_datetime(starts, Language.RU, BISHKEK_TZ).startswith("16 декабря")


def test_the_fixed_phrases_of_issue_16():
    def ky(message: str, **values: object) -> str:
        return gettext(Language.KY, message, **values)

    def ru(message: str, **values: object) -> str:
        return gettext(Language.RU, message, **values)

    starts = datetime(2026, 12, 20, 15, 0, tzinfo=BISHKEK_TZ)
    registered = "You are registered for the hearing «{title}» on {time}. We will remind you the day before."
    assert ky(registered, title="Бюджет", time=at_moment(starts, Language.KY, BISHKEK_TZ, now=NOW)).startswith(
        "20-декабрда саат 15:00дө боло турган «Бюджет» угуусуна катталдыңыз.")
    assert "сунушуңуз катталды" in ky("Thank you! Your proposal #{id} to the hearing «{title}» is received. "
                                      "We will tell you its outcome.", id=3, title="Бюджет")
    assert "кулактандырууларды кайра алуу" in ky("/notices: turn announcements back on") or \
        any("кулактандырууларды кайра алуу" in text for _, _, text in KY)
    assert ky("🗂 My announcements") == "🗂 Менин кулактандырууларым"
    assert any("суунун берилбей калышы" in text for _, _, text in KY)
    assert ru("/hearings: public hearings") == "/hearings: общественные слушания"
    assert any(text.startswith("Консультации юристов Союза МСУ") for _, _, text in RU)
    assert any("муниципалитетиңиздин кызматкерлери" in text for _, _, text in KY)
    assert any("Сүрөткө кошо жазып жөнөтсөңүз да болот" in text for _, _, text in KY)
