"""Searching the answer base, in process: bm25s finds candidates, ``matching.py`` decides which
answer the question, and the asker gets the version in their language first.

Only published answers are indexed, and every hit is read back from the database with
``status = published``, so a draft or a withdrawn answer never appears. Each process keeps
one index per database; it is rebuilt when the published set has changed (publishing in
this process marks it stale at once; another process's publishing is noticed by the cheap
``count``/``max(updated_at)`` check before each search) or the lawyers' list of terms has (the same
check on ``legal_terms``, see ``term_base.terms_version``).

The language versions of one answer are the entries whose keys differ only by ``-ky``/``-ru``
(``demo-land-plot-ky``, ``demo-land-plot-ru``; an import names its rows so).
"""

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass
from enum import Enum

import bm25s
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.legal.matching import Entry, Match, Weights, score, suggestions, trust
from handlers.legal.spelling import Speller
from handlers.legal.term_base import load_terms, terms_version
from handlers.legal.terms import TermList, Unit
from handlers.legal.tokens import words
from storage.enums import AnswerStatus, Language, LegalTopic
from storage.models import LegalAnswer

log = logging.getLogger(__name__)

RECHECK_SECONDS = 2.0
"""How stale another process's publishing may look here."""
CANDIDATES = 40
"""How many BM25 hits are scored."""
SUGGESTED_LIMIT = 3
"""At most this many answers are suggested to an asker."""


class Strictness(Enum):
    SUGGEST = "suggest"
    """To an asker before queueing: only what answers it, near the best."""
    BROWSE = "browse"
    """A resident searching the base: over the floor."""
    SIMILAR = "similar"
    """A lawyer looking for earlier answers: anything sharing a word, best first."""


@dataclass(frozen=True)
class IndexedAnswer:
    id: int
    key: str | None
    topic: LegalTopic
    language: Language
    question: str
    answer: str


@dataclass(frozen=True)
class Hit:
    answer: LegalAnswer
    score: float
    matched: tuple[str, ...] = ()
    """The asker's words that matched: why it was suggested."""
    other_language: bool = False
    """No version in the asker's language: this one is in the other."""


def entry_name(answer: IndexedAnswer) -> str:
    key = answer.key or ""
    return key[:-3] if key[-3:] in ("-ky", "-ru") else key or f"id-{answer.id}"


@dataclass(frozen=True)
class Built:
    retriever: bm25s.BM25 | None
    entries: list[Entry]
    weights: Weights
    speller: Speller
    terms: TermList


def build(answers: list[IndexedAnswer], terms: TermList) -> Built:
    grouped: dict[str, list[IndexedAnswer]] = {}
    for answer in answers:
        grouped.setdefault(entry_name(answer), []).append(answer)
    entries: list[Entry] = []
    corpus: list[list[str]] = []
    known: set[str] = set()
    for name, versions in grouped.items():
        questions = tuple(tuple(terms.units(v.question)) for v in versions)
        question_keys = frozenset(k for v in versions for k in terms.keys(v.question))
        answer_keys = frozenset(k for v in versions for k in terms.keys(v.answer))
        entries.append(Entry(name, versions[0].topic, {v.language: v.id for v in versions}, questions,
                             question_keys, answer_keys))
        corpus.append(sorted(question_keys) * 2 + sorted(answer_keys))
        known.update(w for v in versions for w in words(v.question + " " + v.answer))
    frequency = Counter(k for entry in entries for k in entry.question_keys | entry.answer_keys)
    retriever = None
    if entries:
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
    return Built(retriever, entries, Weights(frequency, len(entries)), Speller(known), terms)


def read_question(built: Built, text: str) -> tuple[list[Unit], set[str]]:
    """The asker's units, an unknown word read as the nearest known one; and every key the read text has
    (the stems of all words too, as an entry's keys are built)."""
    read = []
    for word in words(text):
        units = built.terms.units_of([word])
        if not any(built.weights.of(u) != built.weights.unknown for u in units):
            word = built.speller.nearest(word) or word
        read.append(word)
    return built.terms.units_of(read), built.terms.keys(" ".join(read))


Feedback = dict[int, tuple[int, int]]
"""Per answer id: how many askers said it helped, how many times lawyers marked it wrong (only those with any)."""


def ranked(built: Built, text: str, *, topic: LegalTopic | None = None,
           strictness: Strictness = Strictness.SUGGEST, limit: int = 3, feedback: Feedback | None = None
           ) -> list[Match]:
    if built.retriever is None:
        return []
    asked, asked_keys = read_question(built, text)
    query = sorted({k for u in asked for k in u.keys if k in built.retriever.vocab_dict})
    if not query:
        return []
    positions, _scores = built.retriever.retrieve([query], k=min(CANDIDATES, len(built.entries)), show_progress=False)
    entries = [built.entries[int(p)] for p in positions[0]]
    if topic not in (None, LegalTopic.OTHER):
        entries = [e for e in entries if e.topic == topic]
    marks = feedback or {}

    def trusted(entry: Entry) -> float:
        counts = [marks.get(i, (0, 0)) for i in entry.versions.values()]
        return trust(sum(h for h, _w in counts), sum(w for _h, w in counts))
    matches = [m for m in (score(e, asked, asked_keys, built.weights, trusted(e)) for e in entries) if m.matched]
    if strictness == Strictness.SUGGEST:
        return suggestions(matches, asked, built.weights, limit)
    matches.sort(key=lambda m: m.score, reverse=True)
    if strictness == Strictness.BROWSE:
        return suggestions(matches, asked, built.weights, len(matches))[:limit]
    return matches[:limit]


class AnswerIndex:
    def __init__(self) -> None:
        self.built = build([], TermList([]))
        self.feedback: Feedback = {}
        self._version: tuple | None = None
        self._feedback_version: tuple | None = None
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    def mark_stale(self) -> None:
        self._version, self._feedback_version, self._checked_at = None, None, float("-inf")

    def mark_feedback_stale(self) -> None:
        """A mark changed: the next search reloads the marks (not the index)."""
        self._feedback_version, self._checked_at = None, float("-inf")

    async def refresh(self, session: AsyncSession) -> None:
        """Rebuilds if the published set or the terms changed, reloads the marks if their sums changed
        (checked at most every ``RECHECK_SECONDS``); the build runs in a thread, so the event loop keeps
        serving."""
        async with self._lock:
            if self._version is not None and self._feedback_version is not None \
                    and time.monotonic() - self._checked_at < RECHECK_SECONDS:
                return
            published = LegalAnswer.status == AnswerStatus.PUBLISHED
            count, updated, helped, wrong = (await session.execute(sa.select(
                sa.func.count(), sa.func.max(LegalAnswer.updated_at), sa.func.sum(LegalAnswer.helped),
                sa.func.sum(LegalAnswer.marked_wrong)).where(published))).one()
            version = (count, updated, await terms_version(session))
            self._checked_at = time.monotonic()
            if (helped, wrong) != self._feedback_version or version != self._version:
                self.feedback = {r.id: (r.helped, r.marked_wrong) for r in (await session.execute(sa.select(
                    LegalAnswer.id, LegalAnswer.helped, LegalAnswer.marked_wrong).where(
                    published, (LegalAnswer.helped > 0) | (LegalAnswer.marked_wrong > 0)))).all()}
                self._feedback_version = (helped, wrong)
            if version == self._version:
                return
            rows = (await session.execute(sa.select(
                LegalAnswer.id, LegalAnswer.key, LegalAnswer.topic, LegalAnswer.language, LegalAnswer.question,
                LegalAnswer.answer).where(published).order_by(LegalAnswer.id))).all()
            answers = [IndexedAnswer(r.id, r.key, r.topic, r.language, r.question, r.answer) for r in rows]
            self.built = await asyncio.to_thread(build, answers, await load_terms(session))
            self._version = version
            log.info("legal answer index rebuilt: %s published answers", len(rows))

    async def search(self, session: AsyncSession, query: str, *, language: Language, limit: int = 3,
                     topic: LegalTopic | None = None, strictness: Strictness = Strictness.SUGGEST) -> list[Hit]:
        await self.refresh(session)
        matches = ranked(self.built, query, topic=topic, strictness=strictness, limit=limit, feedback=self.feedback)
        wanted = [i for m in matches for i in m.entry.versions.values()]
        if not wanted:
            return []
        answers = {a.id: a for a in (await session.scalars(sa.select(LegalAnswer).where(
            LegalAnswer.id.in_(wanted), LegalAnswer.status == AnswerStatus.PUBLISHED))).all()}
        hits = []
        for match in matches:
            versions = [(language != version, answers[i]) for version, i in match.entry.versions.items()
                        if i in answers]
            if versions:
                other, answer = min(versions, key=lambda v: (v[0], v[1].id))
                hits.append(Hit(answer, match.score, match.matched, other))
        return hits


_INDEXES: dict[str, AnswerIndex] = {}


def index_for(session: AsyncSession) -> AnswerIndex:
    """This process's index of the session's database."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    if key not in _INDEXES:
        _INDEXES[key] = AnswerIndex()
    return _INDEXES[key]


async def search_answers(session: AsyncSession, query: str, *, language: Language = Language.RU, limit: int = 3,
                         topic: LegalTopic | None = None, strictness: Strictness = Strictness.SUGGEST) -> list[Hit]:
    return await index_for(session).search(session, query, language=language, limit=limit, topic=topic,
                                           strictness=strictness)


def mark_index_stale(session: AsyncSession) -> None:
    """After publishing, withdrawing or a mark: the next search looks again (``updated_at`` and the sums of
    the marks tell other processes)."""
    index_for(session).mark_stale()
