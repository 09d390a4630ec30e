"""Words and their stems: Russian Snowball stems and Kyrgyz stems (suffixes stripped), so that
«отпускные» / «отпускных» and «өргүүсүнүн» / «өргүүсү» meet. Typos are handled by the index
(``search.py`` maps an unknown word to the nearest known one by its trigrams).
"""

import re
from functools import lru_cache

import Stemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_RUSSIAN = Stemmer.Stemmer("russian")
MIN_STEM = 3

STOPWORDS = frozenset("""
и в во на с со по что как ли не я мы вы он она они мне нам вам его ее её их для это этот эта эти или а но о об
к ко у из за от до при же бы то так если да нет там тут где когда кто чем чего можно нужно надо есть был была
были будет ли уже еще ещё все всё очень мой моя наш наша ваш ваша свой меня нас вас ему ей им который которая
которые какой какая какие каким какое каков какова ли либо также тоже только просто сейчас теперь вот
здравствуйте подскажите пожалуйста скажите вопрос вопросу спасибо помогите объясните хочу хотел хотела знать
правильно вообще должен должна должны должно может могут могу можем под над через чтобы быть сколько почему
зачем чей чья чьё чьи нужен нужна нужны делать сделать теперь всегда каждый другой другая
жана менен үчүн деп бул ошол ал алар мен биз сиз силер эмне кантип кандай барбы болобу болот керек же да
дагы эле гана ким кайда качан эмес бар жок ушул бир саламатсызбы салам айтып бериңизчи бериңиз суроо суроом
сурайын рахмат мага бизге сизге анын алардын биздин сиздин менин ошондо эгер эгерде кантип кандайча кайсы
канча эмнеге эмнеден кимге кимдин кимди кылат кылса кылабыз кылсак кылуу болсо болсок болобуз беле экен
""".split())


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold().replace("ё", "е")) if w not in STOPWORDS]


@lru_cache(maxsize=100_000)
def kyrgyz_stem(word: str) -> str:
    """Strips Kyrgyz suffixes from the end while a stem of at least ``MIN_STEM`` letters remains."""
    changed = True
    while changed:
        changed = False
        for suffix in _KY_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word, changed = word[: -len(suffix)], True
                break
    return word


@lru_cache(maxsize=100_000)
def word_stems(word: str) -> frozenset[str]:
    """A word's keys in the index: its Russian and its Kyrgyz stem (``s:…``); a number is itself."""
    if word.isdigit():
        return frozenset({word})
    return frozenset({"s:" + _RUSSIAN.stemWord(word), "s:" + kyrgyz_stem(word)})


def stems(text: str) -> set[str]:
    return {stem for word in words(text) for stem in word_stems(word)}


# Kyrgyz suffixes (case, number, possession, a few verb forms), the longest tried first; derivational
# ones (-чы, -лык) stay, so «башчы» (head) does not become «баш».
_KY_SUFFIXES = sorted({
    *(f"{p}{v}" for p in ("л", "д", "т") for v in ("ар", "ер", "ор", "өр")),                # plural
    *(f"{p}{v}" for p in ("н", "д", "т") for v in ("ын", "ин", "ун", "үн")),                # genitive
    *(f"{p}{v}" for p in ("н", "д", "т") for v in ("ы", "и", "у", "ү")),                    # accusative
    *(f"{p}{v}" for p in ("г", "к", "н") for v in ("а", "е", "о", "ө")),                    # dative
    *(f"{p}{v}" for p in ("д", "т", "н") for v in ("а", "е", "о", "ө")),                    # locative
    *(f"{p}{v}н" for p in ("д", "т", "н") for v in ("а", "е", "о", "ө")),                   # ablative
    *(f"с{v}" for v in ("ы", "и", "у", "ү")), *(f"с{v}н" for v in ("ы", "и", "у", "ү")),    # 3rd person possessive
    *(f"{v}н" for v in ("ы", "и", "у", "ү")), "ы", "и", "у", "ү",                            # after a possessive
    *(f"б{v}" for v in ("ы", "и", "у", "ү")), *(f"м{v}" for v in ("ы", "и", "у", "ү")),      # question particle
    *(f"{v}ңыз" for v in ("", "ы", "и", "у", "ү")), "ңиз", "ңуз", "ңүз",                      # 2nd person polite
    *(f"{v}быз" for v in ("", "ы", "и", "у", "ү")), "биз", "буз", "бүз",                      # 1st person plural
    *(f"{v}м" for v in ("ы", "и", "у", "ү")), *(f"{v}ң" for v in ("ы", "и", "у", "ү")),      # 1st/2nd person
    "ган", "ген", "гон", "гөн", "кан", "кен", "кон", "көн",                                  # participle
    "уу", "үү", "оо", "өө", "ыш", "иш", "уш", "үш",                                          # verbal nouns
}, key=len, reverse=True)
