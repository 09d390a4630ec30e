"""Removing personal data from a text before the public sees it: a legal answer before it joins
the public base, a request's description on the public page and the Open311 API.

Replaced: phone numbers (+996 and local 0XXX forms), 14-digit personal numbers (ПИН/ИНН)
and other long digit runs, e-mail addresses, and names: Russian full names (surname with
-ов/-ев/-ин/-ский…, patronymics with -ович/-овна…, initials), Kyrgyz names with «уулу» /
«кызы», and first names from a list of common Kyrgyz and Russian names. The result is
shown to the lawyer, who approves or corrects it: the anonymiser proposes, a person decides.
"""

import re
from dataclasses import dataclass

from storage.enums import Language

PLACEHOLDERS = {
    Language.KY: {"name": "[аты-жөнү]", "phone": "[телефон]", "pin": "[ПИН]", "email": "[e-mail]"},
    Language.RU: {"name": "[ФИО]", "phone": "[телефон]", "pin": "[ПИН]", "email": "[e-mail]"},
}

_CAP = r"[А-ЯЁӨҮҢ][а-яёөүң]+"
_PHONE = re.compile(r"(?<!\d)(?:\+?\s?996|0)[\s\-()]*\d{3}[\s\-()]*\d{2,3}[\s\-]*\d{2,3}[\s\-]*\d{0,3}(?!\d)")
_PIN = re.compile(r"(?<!\d)\d(?:[\s-]?\d){13}(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{9,}(?!\d)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_SURNAME = (r"[А-ЯЁӨҮҢ][а-яёөүң]+(?:(?:ов|ев|ёв|ин|ын)(?:а|у|ой|ым|ом|ы|е|ых)?|баев|беков|"
            r"(?:ск|цк)(?:ий|ая|ого|ому|ой|им|ую))")
_PATRONYMIC = r"[А-ЯЁӨҮҢ][а-яёөүң]+(?:ович|евич|ьич|овна|евна|ична|инична)"
_INITIALS = r"[А-ЯЁӨҮҢ]\.\s?(?:[А-ЯЁӨҮҢ]\.)?"

FIRST_NAMES = frozenset("""
Айгүл Айгуль Айгерим Айжан Айпери Айнура Айдай Асель Асел Бегимай Бермет Бүбүсара Бубусара Гүлнара Гульнара
Гүлмира Гульмира Жылдыз Динара Жазгүл Жазгуль Жаңыл Калыйча Мээрим Назгүл Назгуль Нургүл Нургуль Нуриза Салтанат
Чолпон Чынара Эльвира Элнура Жамиля Замира Зарина Карина Мария Ольга Елена Наталья Татьяна Светлана Ирина Анна
Азамат Адилет Айбек Алмаз Асан Асылбек Бакыт Бакытбек Бектур Данияр Жоомарт Жыргалбек Канат Кубат Кубанычбек
Мирлан Нурбек Нурлан Садыр Самат Султан Талант Темир Тимур Улан Улукбек Үсөн Усен Чыңгыз Чингиз Эрлан Эрмек
Эркин Алексей Андрей Владимир Дмитрий Иван Михаил Николай Сергей Александр Виктор Юрий Павел
""".split())

_NAME_PATTERNS = [
    re.compile(rf"\b{_CAP}\s+{_CAP}\s+(?:уулу|кызы)\b"),                # Асан Бакыт уулу
    re.compile(rf"\b{_CAP}\s+(?:уулу|кызы)\b"),                         # Бакыт уулу
    re.compile(rf"\b{_SURNAME}\s+{_CAP}\s+{_PATRONYMIC}\b"),            # Иванов Иван Иванович
    re.compile(rf"\b{_CAP}\s+{_PATRONYMIC}\s+{_SURNAME}\b"),            # Иван Иванович Иванов
    re.compile(rf"\b{_CAP}\s+{_PATRONYMIC}\b"),                         # Иван Иванович
    re.compile(rf"\b{_SURNAME}\s+{_INITIALS}"),                         # Асанов А.Б.
    re.compile(rf"{_INITIALS}\s?{_SURNAME}\b"),                         # А.Б. Асанов
    re.compile(rf"\b{_SURNAME}\s+{_CAP}\b"),                            # Асанова Айгүл
    re.compile(rf"\b{_CAP}\s+{_SURNAME}\b"),                            # Айгүл Асанова
]
_FIRST_NAME = re.compile(rf"\b{_CAP}\b")


@dataclass(frozen=True)
class Anonymised:
    text: str
    removed: int
    """How many pieces were replaced (the lawyer sees the count with the text)."""


def anonymise(text: str, language: Language) -> Anonymised:
    marks = PLACEHOLDERS[language]
    removed = 0

    def sub(pattern: re.Pattern, placeholder: str, value: str, keep=lambda match: False) -> str:
        nonlocal removed

        def replace(match: re.Match) -> str:
            nonlocal removed
            if keep(match):
                return match.group(0)
            removed += 1
            return placeholder
        return pattern.sub(replace, value)

    text = sub(_EMAIL, marks["email"], text)
    text = sub(_PIN, marks["pin"], text)
    text = sub(_PHONE, marks["phone"], text)
    text = sub(_LONG_DIGITS, marks["pin"], text)
    for pattern in _NAME_PATTERNS:
        text = sub(pattern, marks["name"], text, keep=_is_not_a_name)
    text = sub(_FIRST_NAME, marks["name"], text, keep=lambda match: _stem_name(match.group(0)) not in FIRST_NAMES)
    return Anonymised(text, removed)


_NOT_NAMES = ("Кыргыз", "Республик", "Бишкек", "Кенеш", "Кеңеш", "Жогорк", "Закон", "Мыйзам", "Министерств",
              "Российск", "Чуйск", "Ошск", "Нарынск", "Иссык", "Таласск", "Жалал", "Баткен", "Аламүдүн", "Аламудун",
              "Аламедин", "Токмок", "Президент", "Кабинет", "Конституц")
"""Capitalised words that start laws, bodies and places, never names."""


def _is_not_a_name(match: re.Match) -> bool:
    return any(word.startswith(_NOT_NAMES) for word in match.group(0).split())


def _stem_name(word: str) -> str:
    """A first name with a case ending removed: «Бакытка», «Айгүлдүн», «Сергею» → the name."""
    if word in FIRST_NAMES:
        return word
    for cut in range(1, 5):
        for ending in ("", "а", "я", "й", "ь"):
            if word[:-cut] + ending in FIRST_NAMES:
                return word[:-cut] + ending
    return word
