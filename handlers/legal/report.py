"""The lawyers' figures for the LSG Union: questions by topic, municipality and month; how many
were answered from the answer base without a lawyer (a resident said a suggested answer answers
their question); the median time from a question to a lawyer's answer; the answers lawyers most
often marked as not answering. Months are Bishkek's (the config's time zone)."""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import AnswerStatus, Language, LegalTopic
from storage.models import LegalAnswer, LegalAnswerUse, LegalQuestion, Municipality

MOST_MARKED = 10


@dataclass(frozen=True)
class LegalReport:
    asked: dict[tuple[str, int, LegalTopic], int]
    """Questions by (month «2026-11», municipality id, topic)."""
    from_base: dict[tuple[str, int | None], int]
    """Answered from the base without a lawyer, by (month, municipality id)."""
    questions: int
    answered: int
    median_hours_to_answer: float | None
    most_marked_wrong: list[LegalAnswer]
    municipality_names: dict[int, tuple[str, str]]
    """Kyrgyz and Russian names by id."""

    def municipality(self, municipality_id: int | None, language: Language) -> str:
        names = self.municipality_names.get(municipality_id or 0)
        return (names[0] if language == Language.KY else names[1]) if names else "—"

    @property
    def months(self) -> list[str]:
        return sorted({m for m, _mun, _t in self.asked} | {m for m, _mun in self.from_base}, reverse=True)


def _month(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m")


async def legal_report(session: AsyncSession, municipality_ids: set[int], since: datetime, zone: ZoneInfo
                       ) -> LegalReport:
    """The figures of the questions asked in these municipalities since ``since``."""
    rows = (await session.execute(sa.select(
        LegalQuestion.municipality_id, LegalQuestion.topic, LegalQuestion.created_at, LegalQuestion.answered_at)
        .where(LegalQuestion.municipality_id.in_(sorted(municipality_ids)), LegalQuestion.created_at >= since)
    )).all()
    asked = Counter((_month(r.created_at, zone), r.municipality_id, r.topic) for r in rows)
    waits = [(r.answered_at - r.created_at) / timedelta(hours=1) for r in rows if r.answered_at is not None]
    uses = (await session.execute(sa.select(LegalAnswerUse.municipality_id, LegalAnswerUse.at).where(
        LegalAnswerUse.municipality_id.in_(sorted(municipality_ids)), LegalAnswerUse.at >= since))).all()
    from_base = Counter((_month(u.at, zone), u.municipality_id) for u in uses)
    marked = list((await session.scalars(sa.select(LegalAnswer).where(
        LegalAnswer.status == AnswerStatus.PUBLISHED, LegalAnswer.marked_wrong > 0)
        .order_by(LegalAnswer.marked_wrong.desc(), LegalAnswer.id).limit(MOST_MARKED))).all())
    names = {m.id: (m.name_ky, m.name_ru) for m in (await session.scalars(sa.select(Municipality).where(
        Municipality.id.in_(sorted(municipality_ids))))).all()}
    return LegalReport(dict(asked), dict(from_base), len(rows), len(waits),
                       round(statistics.median(waits), 1) if waits else None, marked, names)
