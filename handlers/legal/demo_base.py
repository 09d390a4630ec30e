"""The demo answer base in Kyrgyz and Russian (``demo_answers/``), loaded with the demo municipality.

It covers the LSG Union's four most frequent topics (emergencies, labour law and municipal
service, early dismissal of the aiyl okmotu head, municipal property) and land, the local
budget, the local council, the community charter, utilities and tariffs, social help. The
entries are DEMO CONTENT, marked ``demo``: general orientation written for the demo, not
checked legal advice; the Union's lawyers replace them with their own answers (``transfer.py``
loads a CSV file). Each entry's two versions are keyed ``demo-<key>-ky`` and ``demo-<key>-ru``,
which is how the search knows they are one answer.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.legal.demo_answers import DEMO_ANSWERS
from storage.enums import AnswerStatus, Language
from storage.models import LegalAnswer

__all__ = ["DEMO_ANSWERS", "do_load_demo_answers"]


async def do_load_demo_answers(session: AsyncSession, now: datetime) -> int:
    """Adds the demo entries that are missing (by key); returns how many were added."""
    known = set((await session.scalars(sa.select(LegalAnswer.key).where(LegalAnswer.key.is_not(None)))).all())
    added = 0
    for key, topic, question_ky, answer_ky, question_ru, answer_ru in DEMO_ANSWERS:
        versions = ((Language.KY, question_ky, answer_ky), (Language.RU, question_ru, answer_ru))
        for language, question, answer in versions:
            full_key = f"demo-{key}-{language.value}"
            if full_key in known:
                continue
            session.add(LegalAnswer(key=full_key, status=AnswerStatus.PUBLISHED, topic=topic, language=language,
                                    question=question, answer=answer, demo=True, created_at=now, updated_at=now,
                                    published_at=now))
            added += 1
    return added
