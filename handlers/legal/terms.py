"""The lawyers' list of legal equivalents and synonyms in Kyrgyz and Russian (``terms.csv``):
each row names a concept and one way to say it («vacation_pay,отпускные», «vacation_pay,өргүү
акысы»). When a text says any of a concept's terms, the concept is one more word of the text,
so a question in one language meets an answer written in the other.

The file is data the lawyers edit (in a spreadsheet: two columns, UTF-8); the search index is
rebuilt from it when the answer base changes or the service restarts. A term of several words
matches those words in a row, in any of their forms («айыл өкмөтүнүн башчысы» matches «айыл
өкмөтү башчысына»).
"""

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from handlers.legal.tokens import word_stems, words

TERMS_FILE = Path(__file__).with_name("terms.csv")


@dataclass(frozen=True)
class Unit:
    """One meaningful piece of a text: a word, or the words of a term (then with its concept)."""

    label: str
    keys: frozenset[str]
    """A word's stems (``s:…``) and, if it is a term, its concept (``c:…``); a term of several words
    only its concept."""


@dataclass(frozen=True)
class Term:
    concept: str
    words: tuple[frozenset[str], ...]
    """The stems of each of its words."""


class TermList:
    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self._starting: dict[str, list[Term]] = {}
        """Terms by each stem of their first word, the longest first."""
        for concept, text in rows:
            term_words = tuple(word_stems(w) for w in words(text))
            if not concept.strip() or not term_words:
                continue
            term = Term(concept.strip(), term_words)
            for stem in term_words[0]:
                self._starting.setdefault(stem, []).append(term)
        for terms in self._starting.values():
            terms.sort(key=lambda t: len(t.words), reverse=True)

    @classmethod
    def from_csv(cls, path: Path) -> "TermList":
        with path.open(encoding="utf-8-sig", newline="") as file:
            return cls([(row.get("concept") or "", row.get("term") or "") for row in csv.DictReader(file)])

    def _longest(self, stems: list[frozenset[str]], start: int) -> Term | None:
        for stem in stems[start]:
            for term in self._starting.get(stem, ()):
                end = start + len(term.words)
                if end <= len(stems) and all(a & b for a, b in zip(term.words, stems[start:end], strict=True)):
                    return term
        return None

    def keys(self, text: str) -> set[str]:
        """Everything a text can be matched by: the stems of all its words and its concepts."""
        return {k for u in self.units(text) for k in u.keys} | {s for w in words(text) for s in word_stems(w)}

    def units(self, text: str) -> list[Unit]:
        """The text's words, those that say a term grouped into one unit with its concept."""
        return self.units_of(words(text))

    def units_of(self, found: list[str]) -> list[Unit]:
        stems = [word_stems(w) for w in found]
        units, position = [], 0
        while position < len(found):
            term = self._longest(stems, position)
            size = len(term.words) if term else 1
            label = " ".join(found[position:position + size])
            if term is None:
                units.append(Unit(label, stems[position]))
            elif size == 1:
                units.append(Unit(label, stems[position] | {f"c:{term.concept}"}))
            else:  # one of its words alone says something else («суу» of «суу ташкыны»)
                units.append(Unit(label, frozenset({f"c:{term.concept}"})))
            position += size
        return units


@lru_cache(maxsize=1)
def _cached(path: Path, modified: float) -> TermList:
    return TermList.from_csv(path)


def term_list(path: Path = TERMS_FILE) -> TermList:
    """The list as the file says now (read again when the file changes)."""
    return _cached(path, path.stat().st_mtime)
