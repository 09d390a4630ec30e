"""A lawyer's "this did not answer it" on an answer suggested for a question: counted on the
answer (``marked_wrong``), written in the question's history, and fed to the ranking
(``matching.trust``). Once per answer and question."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput
from handlers.legal.lawyers import Lawyer
from handlers.legal.search import index_for
from storage.db import rowcount
from storage.enums import AnswerStatus, RequestEventKind
from storage.models import LegalAnswer, LegalEvent, LegalQuestion


def shown_to_asker(question: LegalQuestion) -> list[int]:
    """The published answers the asker was shown before sending the question anyway."""
    created = next((e for e in question.events if e.kind == RequestEventKind.CREATED), None)
    return list((created.detail or {}).get("suggested", [])) if created else []


def marked_wrong(question: LegalQuestion) -> set[int]:
    return {e.detail["wrong_answer_id"] for e in question.events
            if e.kind == RequestEventKind.NOTE and e.detail and "wrong_answer_id" in e.detail}


async def do_mark_wrong(session: AsyncSession, lawyer: Lawyer, question: LegalQuestion, answer_id: int,
                        now: datetime) -> None:
    await session.refresh(question, ["events"])
    if answer_id in marked_wrong(question):
        raise InvalidInput("this answer is already marked for this question")
    result = await session.execute(sa.update(LegalAnswer).where(
        LegalAnswer.id == answer_id, LegalAnswer.status == AnswerStatus.PUBLISHED)
        .values(marked_wrong=LegalAnswer.marked_wrong + 1))
    if rowcount(result) != 1:
        raise InvalidInput("no such published answer")
    session.add(LegalEvent(question_id=question.id, kind=RequestEventKind.NOTE, at=now,
                           actor_person_id=lawyer.person_id, detail={"wrong_answer_id": answer_id}))
    index_for(session).mark_feedback_stale()
