"""Does an answer of the base answer a question? Both are read as units (words, or the terms of
``terms.py`` with their concept); a unit weighs by how rare it is in the base (IDF). An entry's
score mixes how much of the question it covers (a unit found in the entry's question counts
fully, in its answer partly) and how much of the entry's own question the asker's words cover.

A suggestion to a resident needs a score over ``FLOOR``, at least two matched units that are
not common (a term of the lawyers' list counts as two), and a score close to the best one's: a
near miss is not shown. The constants are calibrated on the labelled set (tests/legal_labelled.py).
"""

import math
from dataclasses import dataclass

from handlers.legal.terms import Unit
from storage.enums import Language, LegalTopic

IN_ANSWER = 0.8
"""What a unit found only in the entry's answer counts, against 1 in its question."""
QUESTION_SHARE = 0.6
"""The score's part from covering the asker's question (the rest: covering the entry's question)."""
FLOOR = 0.45
NEAR_BEST = 0.9
"""A second or third suggestion needs at least this share of the best score."""
COMMON_IDF = 1.0
"""A unit at least this rare counts towards the two needed matches."""
UNKNOWN_SHARE = 0.6
"""An unknown word weighs this share of the rarest known one's weight."""
TERM_BOOST = 1.5
"""A term of the lawyers' list weighs more than a plain word: it is what a question is about."""


@dataclass(frozen=True)
class Entry:
    """One answer in all its language versions (``key-ky`` and ``key-ru`` are one entry)."""

    name: str
    topic: LegalTopic
    versions: dict[Language, int]
    """The answer id of each language version."""
    question_units: tuple[tuple[Unit, ...], ...]
    """Each version's question."""
    question_keys: frozenset[str]
    answer_keys: frozenset[str]


def trust(helped: int, wrong: int) -> float:
    """What an entry's score is multiplied by: a lawyer's "this did not answer it" lowers it, the
    residents' "this answers my question" makes up for it (1 with no marks, 2/3 with one wrong mark)."""
    return (helped + 2) / (helped + 2 + wrong)


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    matched: tuple[str, ...]
    """The asker's words the entry matched (shown to lawyers: why it was suggested)."""


class Weights:
    def __init__(self, document_frequency: dict[str, int], documents: int) -> None:
        self._df, self._n = document_frequency, max(documents, 1)
        self.unknown = UNKNOWN_SHARE * self.idf(1)

    def idf(self, df: int) -> float:
        return math.log((self._n - df + 0.5) / (df + 0.5) + 1)

    def of(self, unit: Unit) -> float:
        known = [self._df[k] for k in unit.keys if self._df.get(k)]
        boost = TERM_BOOST if any(k.startswith("c:") for k in unit.keys) else 1.0
        return boost * self.idf(min(known)) if known else self.unknown


def _covered(units: tuple[Unit, ...], keys: set[str], weights: Weights) -> float:
    total = sum(weights.of(u) for u in units)
    return sum(weights.of(u) for u in units if u.keys & keys) / total if total else 0.0


def score(entry: Entry, asked: list[Unit], asked_keys: set[str], weights: Weights, trusted: float = 1.0) -> Match:
    """``asked_keys``: every key of the question (its words' stems too), to cover the entry's question."""
    total = gained = 0.0
    matched = []
    for unit in asked:
        weight = weights.of(unit)
        total += weight
        found = 1.0 if unit.keys & entry.question_keys else IN_ANSWER if unit.keys & entry.answer_keys else 0.0
        gained += weight * found
        if found:
            matched.append(unit.label)
    their_question = max((_covered(units, asked_keys, weights) for units in entry.question_units), default=0.0)
    value = QUESTION_SHARE * (gained / total if total else 0.0) + (1 - QUESTION_SHARE) * their_question
    return Match(entry, value * trusted, tuple(matched))


def enough_matched(match: Match, asked: list[Unit], weights: Weights) -> bool:
    """More than one shared rare word, or a term of the lawyers' list (a legal notion, which counts as
    two): one common word shared («айыл окмоту», «бюджет») is never enough."""
    evidence = sum(2 if any(k.startswith("c:") for k in u.keys) else 1 for u in asked
                   if u.label in match.matched and weights.of(u) >= COMMON_IDF)
    return evidence >= 2


def suggestions(matches: list[Match], asked: list[Unit], weights: Weights, limit: int) -> list[Match]:
    """What a resident is shown: over the floor, enough matched, and near the best; best first."""
    good = sorted((m for m in matches if m.score >= FLOOR and enough_matched(m, asked, weights)),
                  key=lambda m: m.score, reverse=True)
    return [m for m in good if m.score >= NEAR_BEST * good[0].score][:limit] if good else []
