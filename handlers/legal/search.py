"""Searching the answer base: BM25 (bm25s) over the tokens of ``tokens.py``, in process.

Only published answers are indexed, and every hit is read back from the database with
``status = published``, so a draft or a withdrawn answer never appears. Each process keeps
one index per database; it is rebuilt when the published set has changed (publishing in
this process marks it stale at once; another process's publishing is noticed by the cheap
``count``/``max(updated_at)`` check before each search).
"""

import asyncio
import logging
import time
from dataclasses import dataclass
import bm25s
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.legal.tokens import stem_tokens, tokens
from storage.enums import AnswerStatus, LegalTopic
from storage.models import LegalAnswer

log = logging.getLogger(__name__)

RECHECK_SECONDS = 2.0
"""How stale another process's publishing may look here."""
CANDIDATES = 30
"""How many BM25 hits are looked at before the stem check and the topic filter."""


@dataclass(frozen=True)
class Hit:
    answer: LegalAnswer
    score: float


def document_tokens(question: str, answer: str) -> list[str]:
    """What is indexed: the question's stems and trigrams twice (it is what askers paraphrase),
    and the answer's stems."""
    asked = tokens(question)
    return asked + asked + stem_tokens(answer)


class AnswerIndex:
    def __init__(self) -> None:
        self._built: tuple[bm25s.BM25 | None, list[int], list[set[str]]] = (None, [], [])
        """The retriever, the answer id and the stems of each indexed document: replaced as a whole."""
        self._version: tuple | None = None
        self._checked_at = float("-inf")
        self._lock = asyncio.Lock()

    def mark_stale(self) -> None:
        self._version, self._checked_at = None, float("-inf")

    async def refresh(self, session: AsyncSession) -> None:
        """Rebuilds if the published set changed (checked at most every ``RECHECK_SECONDS``); the
        build runs in a thread, so the event loop keeps serving (about 5 s for 10,000 answers)."""
        async with self._lock:
            if self._version is not None and time.monotonic() - self._checked_at < RECHECK_SECONDS:
                return
            version = tuple((await session.execute(
                sa.select(sa.func.count(), sa.func.max(LegalAnswer.updated_at))
                .where(LegalAnswer.status == AnswerStatus.PUBLISHED))).one())
            self._checked_at = time.monotonic()
            if version == self._version:
                return
            rows = (await session.execute(sa.select(LegalAnswer.id, LegalAnswer.question, LegalAnswer.answer)
                                          .where(LegalAnswer.status == AnswerStatus.PUBLISHED)
                                          .order_by(LegalAnswer.id))).all()
            await asyncio.to_thread(self.build, [(r.id, document_tokens(r.question, r.answer)) for r in rows])
            self._version = version
            log.info("legal answer index rebuilt: %s published answers", len(rows))

    def build(self, documents: list[tuple[int, list[str]]]) -> None:
        """Indexes ``(answer id, document_tokens(…))`` pairs (the bench builds from memory this way)."""
        ids = [answer_id for answer_id, _tokens in documents]
        document_stems = [{t for t in document if t.startswith("s:")} for _id, document in documents]
        retriever = None
        if documents:
            retriever = bm25s.BM25()
            retriever.index([document or ["-"] for _id, document in documents], show_progress=False)
        self._built = (retriever, ids, document_stems)

    def ranked(self, query: str, k: int = CANDIDATES) -> list[tuple[int, float]]:
        """``(answer id, score)``, best first; only answers sharing at least one word stem with the query."""
        retriever, ids, document_stems = self._built
        asked = tokens(query)
        query_tokens = [t for t in asked if retriever is not None and t in retriever.vocab_dict]
        if retriever is None or not query_tokens:
            return []
        positions, scores = retriever.retrieve([query_tokens], k=min(k, len(ids)), show_progress=False)
        query_stems = {t for t in asked if t.startswith("s:")}
        return [(ids[int(position)], float(score)) for position, score in zip(positions[0], scores[0], strict=True)
                if score > 0 and query_stems & document_stems[int(position)]]

    async def search(self, session: AsyncSession, query: str, *, limit: int = 3,
                     topic: LegalTopic | None = None, min_score: float = 0.0) -> list[Hit]:
        await self.refresh(session)
        ranked = [(i, s) for i, s in self.ranked(query) if s >= min_score]
        if not ranked:
            return []
        wanted = [i for i, _s in (ranked if topic is not None else ranked[:limit * 2])]
        answers = {a.id: a for a in (await session.scalars(sa.select(LegalAnswer).where(
            LegalAnswer.id.in_(wanted), LegalAnswer.status == AnswerStatus.PUBLISHED))).all()}
        hits = [Hit(answers[i], s) for i, s in ranked if i in answers and (topic is None or answers[i].topic == topic)]
        return hits[:limit]


_INDEXES: dict[str, AnswerIndex] = {}


def index_for(session: AsyncSession) -> AnswerIndex:
    """This process's index of the session's database."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    if key not in _INDEXES:
        _INDEXES[key] = AnswerIndex()
    return _INDEXES[key]


async def search_answers(session: AsyncSession, query: str, *, limit: int = 3, topic: LegalTopic | None = None,
                         min_score: float = 0.0) -> list[Hit]:
    return await index_for(session).search(session, query, limit=limit, topic=topic, min_score=min_score)


def mark_index_stale(session: AsyncSession) -> None:
    """After publishing or withdrawing: the next search rebuilds (``updated_at`` tells other processes)."""
    index_for(session).mark_stale()
