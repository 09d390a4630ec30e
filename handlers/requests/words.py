"""Ordinary words residents use for each category, in Kyrgyz and Russian (by category code).

They go with the category's option (``Option.words``): «суу жок» chooses drinking water, and a
description typed at the main menu («свет не горит третий день») suggests its category.
A municipality's own category codes without words here are still chosen by number or name.
"""

from handlers.envelope import Option
from storage.models import Category

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "water": ("суу", "ичүүчү суу", "суу жок", "кран", "вода", "воды", "водопровод", "нет воды", "питьевая"),
    "roads": ("жол", "жолдор", "көчө", "чуңкур", "асфальт", "дорога", "дороги", "яма", "ямы", "улица"),
    "garbage": ("таштанды", "акыр чикир", "таштандылар", "мусор", "мусора", "свалка", "вывоз мусора"),
    "lighting": ("жарык", "чырак", "фонарь", "фонари", "свет", "освещение", "не горит"),
    "sewerage": ("канализация", "агын суу", "канализации", "сток", "стоки"),
    "land": ("жер", "жер тилкеси", "участок", "земля", "земельный"),
    "social": ("жөлөкпул", "пособие", "социальная", "помощь малоимущим"),
    "other": ("башка", "другое", "другой"),
}


def category_options(categories: list[Category]) -> list[Option]:
    return [Option(f"c:{c.id}", c.name_ky, c.name_ru, words=CATEGORY_WORDS.get(c.code, ())) for c in categories]
