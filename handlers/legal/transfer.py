"""Import and export of the answer base as CSV (UTF-8, a header row), so the LSG Union's
existing answers can be loaded and the base kept elsewhere.

Columns: ``key, topic, language, question, answer`` (``status`` and ``demo`` are written on
export and ignored on import). An imported row with a key already in the base replaces that
entry; one without a key is added. Every row is checked first and nothing is written if any
row is wrong; texts are anonymised on the way in, as a published answer is.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput
from handlers.legal.questions import MAX_QUESTION_CHARS
from handlers.legal.search import mark_index_stale
from handlers.services.anonymise import anonymise
from storage.enums import AnswerStatus, Language, LegalTopic
from storage.models import LegalAnswer

COLUMNS = ["key", "topic", "language", "question", "answer", "status", "demo"]
MAX_ANSWER_CHARS = 8000
MAX_ROWS = 20_000


@dataclass
class ImportReport:
    added: int = 0
    replaced: int = 0
    anonymised: int = 0
    """How many names, phone numbers and ID numbers were taken out."""
    errors: list[str] = field(default_factory=list)


async def export_csv(session: AsyncSession, *, published_only: bool = True) -> str:
    query = sa.select(LegalAnswer).order_by(LegalAnswer.id)
    if published_only:
        query = query.where(LegalAnswer.status == AnswerStatus.PUBLISHED)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for answer in (await session.scalars(query)).all():
        writer.writerow([answer.key or f"id-{answer.id}", answer.topic.value, answer.language.value, answer.question,
                         answer.answer, answer.status.value, "yes" if answer.demo else "no"])
    return out.getvalue()


def _rows(text: str, report: ImportReport) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = {"topic", "language", "question", "answer"} - set(reader.fieldnames or [])
    if missing:
        raise InvalidInput(f"the CSV lacks the columns: {', '.join(sorted(missing))}")
    rows: list[dict[str, str]] = []
    for line, row in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"at most {MAX_ROWS} rows at a time")
        problems = []
        if (row.get("topic") or "").strip() not in set(LegalTopic):
            problems.append(f"topic must be one of {', '.join(LegalTopic)}")
        if (row.get("language") or "").strip() not in set(Language):
            problems.append("language must be ky or ru")
        if not (row.get("question") or "").strip() or len(row["question"]) > MAX_QUESTION_CHARS:
            problems.append(f"question must be 1 to {MAX_QUESTION_CHARS} characters")
        if not (row.get("answer") or "").strip() or len(row["answer"]) > MAX_ANSWER_CHARS:
            problems.append(f"answer must be 1 to {MAX_ANSWER_CHARS} characters")
        if len((row.get("key") or "").strip()) > 80:
            problems.append("key must be at most 80 characters")
        if problems:
            report.errors.append(f"line {line}: " + "; ".join(problems))
        rows.append(row)
    return rows


async def do_import_csv(session: AsyncSession, text: str, now: datetime, *, author_person_id: int | None = None
                        ) -> ImportReport:
    """Checks every row, then adds or replaces the entries (published); with errors, writes nothing."""
    report = ImportReport()
    rows = _rows(text, report)
    if report.errors:
        return report
    keys = [(row.get("key") or "").strip() for row in rows]
    existing = {a.key: a for a in (await session.scalars(sa.select(LegalAnswer).where(
        LegalAnswer.key.in_([k for k in keys if k])))).all()}
    for key, row in zip(keys, rows, strict=True):
        language = Language(row["language"].strip())
        question, answer = anonymise(row["question"].strip(), language), anonymise(row["answer"].strip(), language)
        report.anonymised += question.removed + answer.removed
        entry = existing.get(key)
        if entry is None:
            entry = LegalAnswer(key=key or None, helped=0, created_at=now, author_person_id=author_person_id)
            session.add(entry)
            report.added += 1
        else:
            report.replaced += 1
        entry.status, entry.topic, entry.language = AnswerStatus.PUBLISHED, LegalTopic(row["topic"].strip()), language
        entry.question, entry.answer, entry.demo = question.text, answer.text, False
        entry.updated_at, entry.published_at = now, entry.published_at or now
    mark_index_stale(session)
    return report
