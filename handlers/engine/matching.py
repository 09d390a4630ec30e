"""Which offered option a typed answer means: its number, its label, or an ordinary word for it.

Each option may carry its own words (``Option.words``: «ооба», «да», «суу», «вода» …), kept next
to the option that owns them. A typed answer is compared, in this order, with

1. the options' labels and words, exactly (case, emoji and punctuation aside);
2. the same, allowing a small typo (one letter in a word of 4–7 letters, two from 8);
3. for a short answer (up to ``SHORT_ANSWER`` words), each of its words against the options'
   words, so «суу жок» means water and «жок, рахмат» means no.

The first rule that finds exactly one option decides; a rule that finds several options makes
the answer ambiguous (``Match.ambiguous``), and the person gets the options again.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from handlers.envelope import Option

SHORT_ANSWER = 3
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")


def plain(text: str) -> str:
    """Lower-cased words only: '📝 Submit a request!' and 'submit a request' match."""
    return _NOT_WORD.sub(" ", text.casefold()).replace("ё", "е").strip()


@dataclass(frozen=True)
class Match:
    value: str | None
    ambiguous: bool = False


def typo_allowance(word: str) -> int:
    """How many letters may be wrong in a word of this length."""
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def within_typos(said: str, key: str) -> bool:
    """``said`` is ``key`` with a small typo; numbers must agree («3-квартал» is not «8-квартал»)."""
    allowed = typo_allowance(key)
    return (allowed > 0 and abs(len(said) - len(key)) <= allowed and _DIGITS.findall(said) == _DIGITS.findall(key)
            and edit_distance(said, key, allowed) <= allowed)


def edit_distance(a: str, b: str, cap: int) -> int:
    """Levenshtein distance, stopped early once every path exceeds ``cap``."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > cap:
            return cap + 1
        previous = current
    return previous[-1]


def keys(option: Option) -> set[str]:
    """The plain forms an option is known by: its labels in both languages and its words."""
    found = {plain(option.ky), plain(option.ru), *(plain(word) for word in option.words)}
    return {key for key in found if key}


def match_words(text: str, options: Sequence[Option]) -> Match:
    """The option a typed (non-numeric) answer names, if exactly one does."""
    said = plain(text)
    if not said:
        return Match(None)
    known = [(option.value, keys(option)) for option in options]
    rules = (
        lambda k: said in k,
        lambda k: any(within_typos(said, key) for key in k),
    )
    for rule in rules:
        decided = _decide(value for value, k in known if rule(k))
        if decided is not None:
            return decided
    words = said.split()
    if len(words) <= SHORT_ANSWER:
        own_words = [(option.value, {plain(word) for word in option.words}) for option in options]
        decided = _decide(value for value, k in own_words
                          if any(word == key or within_typos(word, key) for word in words for key in k))
        if decided is not None:
            return decided
    return Match(None)


def _decide(values: Iterable[str]) -> Match | None:
    found = list(dict.fromkeys(values))
    if not found:
        return None
    return Match(found[0]) if len(found) == 1 else Match(None, ambiguous=True)


def option_named_in(text: str, options: Sequence[Option]) -> str | None:
    """The one option whose own words occur in a longer text (a description: «свет не горит
    третий день» names lighting); ``None`` when none does, or several do."""
    said = plain(text)
    words = said.split()
    padded = f" {said} "

    def named(option: Option) -> bool:
        for key in (plain(word) for word in option.words):
            if " " in key and f" {key} " in padded:
                return True
            if " " not in key and any(word == key or within_typos(word, key) for word in words):
                return True
        return False

    decided = _decide(option.value for option in options if named(option))
    return decided.value if decided is not None else None
