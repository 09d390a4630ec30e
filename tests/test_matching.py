"""The engine's reading of typed answers: labels, ordinary words, small typos, ambiguity."""

from handlers.engine.matching import match_words, option_named_in
from handlers.engine.prompts import NO_WORDS, YES_WORDS
from handlers.envelope import Option
from handlers.requests.words import CATEGORY_WORDS

YES_NO = [Option("yes", "Макулмун", "Да, согласен", words=YES_WORDS), Option("no", "Жок", "Нет", words=NO_WORDS)]
CATEGORIES = [Option(f"c:{code}", code, code, words=words) for code, words in CATEGORY_WORDS.items()]
QUARTERS = [Option(f"q:{n}", f"{n}-квартал", f"Квартал №{n}") for n in (1, 2, 3, 10, 12)]


def test_ordinary_words_in_either_language_choose_yes_or_no():
    for said in ("ооба", "Макул!", "да", "согласна", "Да, согласен", "ok"):
        assert match_words(said, YES_NO).value == "yes", said
    for said in ("жок", "Нет.", "не согласен", "жок, рахмат"):
        assert match_words(said, YES_NO).value == "no", said


def test_a_small_typo_is_forgiven_but_not_a_different_number():
    assert match_words("согласне", YES_NO).value == "yes"
    assert match_words("3-кватрал", QUARTERS).value == "q:3"
    assert match_words("13-квартал", QUARTERS).value is None  # not «3-квартал» nor «12-квартал»
    assert match_words("да", [Option("a", "Два", "Два")]).value is None  # short words need the exact spelling


def test_an_answer_that_fits_several_options_is_ambiguous():
    found = match_words("ооба жок", YES_NO)
    assert found.value is None and found.ambiguous
    assert match_words("суу жок", CATEGORIES).value == "c:water"  # «жок» is no category's word


def test_a_long_text_names_its_category_only_when_one_fits():
    assert option_named_in("Түнкүсүн көчөдө жарык күйбөй жатат", CATEGORIES) == "c:lighting"
    assert option_named_in("Возле школы большая яма на дороге", CATEGORIES) == "c:roads"
    assert option_named_in("Нет воды и не горит свет", CATEGORIES) is None  # water and lighting
    assert option_named_in("Соседи шумят по ночам", CATEGORIES) is None
    assert match_words("Возле школы большая яма на дороге", CATEGORIES).value is None  # too long to be a choice
