"""Words to index: Russian Snowball stems, Kyrgyz stems (suffixes stripped), and character
trigrams, so that «отпускные», «отпускных», «отпусные» (a typo) and «эмгек өргүүсүнүн» /
«эмгек өргүүсү» meet, and a question mixing both languages finds both.
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
были будет ли уже еще ещё все всё очень мой моя наш наша ваш ваша свой
жана менен үчүн деп бул ошол ал алар мен биз сиз силер эмне кантип кандай барбы болобу болот керек же да
дагы эле гана ким кайда качан эмес бар жок ушул бир
""".split())

# Kyrgyz suffixes (case, number, possession, a few verb forms), the longest tried first.
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
    "чы", "чи", "чу", "чү", "лык", "лик", "лук", "лүк", "дык", "дик", "дук", "дүк", "тык", "тик", "тук", "түк",
}, key=len, reverse=True)


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold().replace("ё", "е")) if w not in STOPWORDS]


@lru_cache(maxsize=100_000)
def kyrgyz_stem(word: str) -> str:
    """Strips Kyrgyz suffixes from the end while a stem of at least three letters remains."""
    changed = True
    while changed:
        changed = False
        for suffix in _KY_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
                word, changed = word[: -len(suffix)], True
                break
    return word


@lru_cache(maxsize=100_000)
def word_tokens(word: str) -> tuple[str, ...]:
    if word.isdigit():
        return (word,)
    stems = {"s:" + _RUSSIAN.stemWord(word), "s:" + kyrgyz_stem(word)}
    padded = f"<{word}>"
    grams = {"g:" + padded[i:i + 3] for i in range(len(padded) - 2)} if len(word) > 3 else set()
    return tuple(sorted(stems | grams))


def tokens(text: str) -> list[str]:
    """The tokens of a text for the BM25 index (stems are ``s:…``, trigrams ``g:…``)."""
    return [token for word in words(text) for token in word_tokens(word)]


def stem_tokens(text: str) -> list[str]:
    """Only the stems (for long texts, where trigrams add more weight than sense)."""
    return [t for word in words(text) for t in word_tokens(word) if t.startswith("s:")]


def stems(text: str) -> set[str]:
    return set(stem_tokens(text))
