"""Legal questions in the deadline watch: the lawyer (or the lawyers' chat) is reminded, the
lawyers' chat hears of a near and a passed deadline, once each; an answered question is quiet."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from handlers.legal.questions import QuestionDraft, do_submit_question
from handlers.reminders.service import Reminders
from handlers.services.deadlines import DeadlineRule
from storage.enums import Channel, Language, LegalTopic
from storage.models import LegalEvent, OutboxMessage, Person
from tests.core_config import core_config

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
CHAT = "telegram:1:-1009000"
CONFIG = core_config(lawyers_chat=CHAT, legal_deadline_rule=DeadlineRule.calendar(14))


async def _question(db, text="Как правильно выплатить отпускные главе айыл окмоту в этом году?"):
    async with db.transaction() as session:
        person = Person(municipality_id=1, language=Language.RU, consent_at=NOW)
        session.add(person)
        await session.flush()
        return await do_submit_question(session, CONFIG, person=person, channel=Channel.CONSOLE,
                                        language=Language.RU, draft=QuestionDraft(LegalTopic.LABOUR, text, []),
                                        now=NOW)


async def _chat_texts(db) -> list[str]:
    async with db.reader() as session:
        rows = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == CHAT)
                                      .order_by(OutboxMessage.id))).all()
    return [row.payload["text"] for row in rows]


async def test_reminder_and_escalations_reach_the_lawyers_chat_once(db):
    question = await _question(db)
    cards = await _chat_texts(db)
    assert len(cards) == 1 and "⚖️ Q-" in cards[0]  # the card
    reminders = lambda at: Reminders(db, CONFIG, clock=lambda: at)  # noqa: E731
    assert sum((await reminders(NOW).watch_deadlines()).values()) == 0
    near = question.due_at - timedelta(hours=20)
    handled = await reminders(near).watch_deadlines()
    assert handled == {"do_remind_before_deadline": 1, "do_escalate_near_deadline": 1, "do_escalate_overdue": 0}
    assert sum((await reminders(near).watch_deadlines()).values()) == 0  # once
    late = question.due_at + timedelta(hours=1)
    assert (await reminders(late).watch_deadlines())["do_escalate_overdue"] == 1
    texts = (await _chat_texts(db))[1:]
    assert [t.split(":")[0] for t in texts] == ["⏰ Напоминание", "⚠️ Срок близко", "🚨 Просрочено"]
    async with db.reader() as session:
        kinds = (await session.scalars(sa.select(LegalEvent.kind).where(LegalEvent.question_id == question.id)
                                       .order_by(LegalEvent.id))).all()
    assert kinds == ["created", "reminded", "escalated", "escalated"]


async def test_an_answered_question_is_not_watched(db):
    question = await _question(db)
    async with db.transaction() as session:
        (await session.get(type(question), question.id)).answered_at = NOW
    assert sum((await Reminders(db, CONFIG, clock=lambda: question.due_at + timedelta(days=1))
                .watch_deadlines()).values()) == 0
