"""Dates and times as a Kyrgyz or Russian reader expects them: one style per language, used by
the bot and the back office alike (``handlers.i18n.format_date`` / ``format_datetime`` are these).

Kyrgyz: the day with a hyphen and the month in the case the sentence needs — «2026-жылдын
16-декабры» (a date), «2026-жылдын 16-декабрына чейин» (by), «16-декабрда саат 15:00дө» (on, at);
the case endings follow vowel harmony and voicing of the word they attach to, for months and for
the spoken minutes of the time («15:00дө» is «он беш нөл нөлдө», «15:30да» «…отузда»).
Russian: «16 декабря 2026 г.», «до 16 декабря 2026 г.», «16 декабря в 15:00».

A day always carries its year; a moment leaves out the current year («16-декабрда саат 15:00дө»).
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.enums import Language

KY_MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
             "ноябрь", "декабрь")
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
             "ноября", "декабря")
VOICELESS = set("кпстфхцчшщ")
BACK = set("аоуыя")
VOWELS = set("аеёиоөуүыэюя")
# the last spoken word of a minute count: units if any, else tens ("нөл" for :00)
KY_UNITS = ("нөл", "бир", "эки", "үч", "төрт", "беш", "алты", "жети", "сегиз", "тогуз")
KY_TENS = ("нөл", "он", "жыйырма", "отуз", "кырк", "элүү")


IOTATED = {"я": "а", "ю": "у", "ё": "о", "э": "е"}


def _last_vowel(word: str) -> str:
    """The word's last vowel as harmony hears it (ю is у, я is а)."""
    vowel = next(ch for ch in reversed(word) if ch in VOWELS)
    return IOTATED.get(vowel, vowel)


def _harmony(word: str, back: str, back_round: str, front: str, front_round: str) -> str:
    """The variant of a four-way suffix vowel after ``word``'s last vowel (у takes the back unrounded one)."""
    vowel = _last_vowel(word)
    if vowel == "о":
        return back_round
    if vowel in "өү":
        return front_round
    if vowel in BACK:
        return back
    return front


def _locative(word: str) -> str:
    """-да/-де/-до/-дө (-та… after a voiceless consonant)."""
    stem = word.rstrip("ь")
    consonant = "т" if stem[-1] in VOICELESS else "д"
    return consonant + _harmony(stem, "а", "о", "е", "ө")


def _dative(word: str) -> str:
    """-га/-ге/-го/-гө (-ка… after a voiceless consonant)."""
    stem = word.rstrip("ь")
    consonant = "к" if stem[-1] in VOICELESS else "г"
    return consonant + _harmony(stem, "а", "о", "е", "ө")


def _possessive(word: str) -> str:
    """The third person possessive (-ы/-и/-у/-ү), as in «2026-жылдын 16-декабры»."""
    stem = word.rstrip("ь")
    vowel = _last_vowel(stem)
    ending = "у" if vowel in "оу" else "ү" if vowel in "өү" else "ы" if vowel in BACK else "и"
    return stem + ("с" + ending if stem[-1] in VOWELS else ending)


def _ky_day(day: date, case: str, with_year: bool) -> str:
    month = KY_MONTHS[day.month - 1]
    if with_year:
        owned = _possessive(month)  # 2026-жылдын 16-декабры / -декабрына / -декабрында
        form = {"nom": owned, "dat": owned + "н" + _dative(owned)[1:], "loc": owned + "н" + _locative(owned)}[case]
        return f"{day.year}-жылдын {day.day}-{form}"
    stem = month.rstrip("ь")
    form = {"nom": month, "dat": stem + _dative(month), "loc": stem + _locative(month)}[case]
    return f"{day.day}-{form}"


def _minutes_word(minute: int) -> str:
    return KY_UNITS[minute % 10] if minute % 10 else KY_TENS[minute // 10]


def _ky_clock(moment: datetime, locative: bool) -> str:
    clock = f"{moment.hour}:{moment.minute:02d}"
    return f"саат {clock}" + (_locative(_minutes_word(moment.minute)) if locative else "")


def day(value: date, language: Language) -> str:
    """A date: «2026-жылдын 16-декабры» / «16 декабря 2026 г.»."""
    if language == Language.KY:
        return _ky_day(value, "nom", True)
    return f"{value.day} {RU_MONTHS[value.month - 1]} {value.year} г."


def by_day(value: date, language: Language) -> str:
    """A deadline: «2026-жылдын 16-декабрына чейин» / «до 16 декабря 2026 г.»."""
    if language == Language.KY:
        return _ky_day(value, "dat", True) + " чейин"
    return "до " + day(value, language)


def moment(value: datetime, language: Language, tz: ZoneInfo, now: datetime | None = None, *,
           happens: bool = False) -> str:
    """A point in time: as a label «16-декабрь, саат 15:00» / «16 декабря, 15:00»; when something
    ``happens``, «16-декабрда саат 15:00дө» / «16 декабря в 15:00». The year only when not this one."""
    local = value.astimezone(tz)
    with_year = local.year != (now or datetime.now(tz)).astimezone(tz).year
    if language == Language.KY:
        case, joint = ("loc", " ") if happens else ("nom", ", ")
        return f"{_ky_day(local.date(), case, with_year)}{joint}{_ky_clock(local, happens)}"
    year = f" {local.year} г." if with_year else ""
    return f"{local.day} {RU_MONTHS[local.month - 1]}{year}{' в ' if happens else ', '}{local.hour}:{local.minute:02d}"


def at_moment(value: datetime, language: Language, tz: ZoneInfo, now: datetime | None = None) -> str:
    """When something happens: «16-декабрда саат 15:00дө» / «16 декабря в 15:00»."""
    return moment(value, language, tz, now, happens=True)


def at_time(value: datetime, language: Language, tz: ZoneInfo) -> str:
    """Only the clock, for today: «саат 15:00дө» / «в 15:00»."""
    local = value.astimezone(tz)
    return _ky_clock(local, True) if language == Language.KY else f"в {local.hour}:{local.minute:02d}"
