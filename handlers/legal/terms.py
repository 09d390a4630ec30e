"""The lawyers' list of legal equivalents and synonyms in Kyrgyz and Russian: each row names a
concept and one way to say it («vacation_pay,отпускные», «vacation_pay,өргүү акысы»). When a text
says any of a concept's terms, the concept is one more word of the text, so a question in one
language meets an answer written in the other.

The list lives in the database (``legal_terms``, read by ``term_base.py``); the lawyers edit it in
the back office, one term at a time or as a whole CSV file (two columns, UTF-8, read here).
``terms.csv`` next to this module is only its seed: migration 0010 loaded it, and the tests read it
as the list's reference. A term of several words matches those words in a row, in any of their
forms («айыл өкмөтүнүн башчысы» matches «айыл өкмөтү башчысына»).
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from handlers.legal.tokens import word_stems, words

SEED_FILE = Path(__file__).with_name("terms.csv")
COLUMNS = ["concept", "term"]
MAX_CONCEPT_CHARS = 60
MAX_TERM_CHARS = 200
MAX_ROWS = 10_000
CONCEPT = re.compile(r"[\w-]+")


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
        return cls(read_terms_csv(path.read_text(encoding="utf-8-sig")))

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


class BadTerms(ValueError):
    """A term or a terms file that cannot be used; ``problem`` names what is wrong (the back office says it)."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(f"{problem} (line {line})" if line else problem)
        self.problem, self.line = problem, line


def checked_term(concept: str, term: str) -> tuple[str, str]:
    """The pair as stored (stripped, the concept in lower case), or ``BadTerms``: a concept is one word
    of letters, digits, ``_`` or ``-`` («vacation_pay»); a term is one line with a letter or a digit (one of
    stop words only, «и о», is kept but matches nothing)."""
    concept, term = concept.strip().lower(), " ".join(term.split())
    if not concept or len(concept) > MAX_CONCEPT_CHARS or not CONCEPT.fullmatch(concept):
        raise BadTerms("concept")
    if not re.search(r"\w", term) or len(term) > MAX_TERM_CHARS:
        raise BadTerms("term")
    return concept, term


def read_terms_csv(text: str) -> list[tuple[str, str]]:
    """A whole list as CSV (a ``concept,term`` header, then two columns a row), checked row by row;
    repeated rows count once. ``BadTerms`` with the line of the first wrong row, if any."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows or [c.strip().lower() for c in rows[0]] != COLUMNS:
        raise BadTerms("header", 1)
    found: dict[tuple[str, str], None] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(COLUMNS):
            raise BadTerms("columns", line)
        try:
            found[checked_term(*row)] = None
        except BadTerms as bad:
            raise BadTerms(bad.problem, line) from None
    if not found:
        raise BadTerms("empty")
    if len(found) > MAX_ROWS:
        raise BadTerms("too_many")
    return list(found)
