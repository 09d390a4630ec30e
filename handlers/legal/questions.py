"""Asking a legal question: checks, submitting (deadline, history, the lawyers' card), an asker's
own questions, and counting the published answers that helped."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from handlers.config import CoreConfig
from handlers.engine.prompts import lacks_words
from handlers.errors import ConfigurationError, InvalidInput
from handlers.legal.cards import do_post_legal_card
from handlers.legal.tokens import words
from handlers.services.deadlines import due_date, end_of_day
from handlers.services.requests import holidays_between
from storage.db import rowcount
from storage.enums import AnswerStatus, Channel, Language, LegalTopic, RequestEventKind, RequestStatus
from storage.models import LegalAnswer, LegalAnswerUse, LegalEvent, LegalQuestion, Person
from storage.types import utcnow

MIN_WORDS = 3
MAX_QUESTION_CHARS = 4000


class QuestionProblem(InvalidInput):
    """Why a question's text cannot be taken: ``no_words``, ``too_short`` or ``too_long``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_question_text(text: str) -> str:
    text = text.strip()
    if lacks_words(text):
        raise QuestionProblem("no_words")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionProblem("too_long")
    if len(words(text)) < MIN_WORDS and len(text.split()) < MIN_WORDS:
        raise QuestionProblem("too_short")
    return text


@dataclass
class QuestionDraft:
    topic: LegalTopic
    text: str
    attachments: list[dict]
    confidential: bool = False
    suggested: tuple[int, ...] = ()
    """The published answers the asker was shown and sent the question anyway (lawyers may mark them wrong)."""


async def do_submit_question(session: AsyncSession, config: CoreConfig, *, person: Person, channel: Channel,
                             language: Language, draft: QuestionDraft, now: datetime) -> LegalQuestion:
    if person.municipality_id is None:
        raise ConfigurationError("the person has no municipality")
    text = check_question_text(draft.text)
    local_today = now.astimezone(config.timezone).date()
    rule = config.legal_deadline_rule
    due = due_date(local_today, rule, await holidays_between(session, local_today, rule.days * 3 + 30))
    question = LegalQuestion(municipality_id=person.municipality_id, person_id=person.id, channel=channel,
                             language=language, topic=draft.topic, text=text, attachments=list(draft.attachments),
                             confidential=draft.confidential, status=RequestStatus.RECEIVED, created_at=now,
                             updated_at=now, due_date=due, due_at=end_of_day(due, config.timezone))
    session.add(question)
    await session.flush()
    session.add(LegalEvent(question_id=question.id, kind=RequestEventKind.CREATED, at=now, actor_person_id=person.id,
                           detail={"suggested": list(draft.suggested)} if draft.suggested else None))
    await do_post_legal_card(session, config, question, now)
    return question


async def questions_of(session: AsyncSession, person_id: int, limit: int = 10) -> list[LegalQuestion]:
    return list((await session.scalars(sa.select(LegalQuestion).where(LegalQuestion.person_id == person_id)
                                       .order_by(LegalQuestion.id.desc()).limit(limit))).all())


async def question_of(session: AsyncSession, person_id: int, question_id: int) -> LegalQuestion | None:
    """The asker's own question with its history; ``None`` for anybody else's."""
    return (await session.execute(sa.select(LegalQuestion).where(
        LegalQuestion.id == question_id, LegalQuestion.person_id == person_id)
        .options(selectinload(LegalQuestion.events)))).scalar_one_or_none()


async def do_note_helped(session: AsyncSession, answer_id: int, *, municipality_id: int | None = None,
                         now: datetime | None = None) -> bool:
    """An asker said a suggested answer answers their question: counted on the answer, and kept as a use
    of the base (answered without a lawyer) for the lawyers' report."""
    result = await session.execute(sa.update(LegalAnswer).where(
        LegalAnswer.id == answer_id, LegalAnswer.status == AnswerStatus.PUBLISHED)
        .values(helped=LegalAnswer.helped + 1))
    if rowcount(result) != 1:
        return False
    session.add(LegalAnswerUse(answer_id=answer_id, municipality_id=municipality_id, at=now or utcnow()))
    return True


async def published_answer(session: AsyncSession, answer_id: int) -> LegalAnswer | None:
    answer = await session.get(LegalAnswer, answer_id)
    return answer if answer is not None and answer.status == AnswerStatus.PUBLISHED else None
