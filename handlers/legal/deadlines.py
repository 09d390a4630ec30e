"""Legal questions in the deadline watch (``handlers.reminders.watch``): the lawyer who took a
question is reminded before its deadline (the lawyers' chat when nobody took it), and the
lawyers' chat hears when a deadline is near and when it has passed. Never the
municipality's head: a question may be confidential, or about the head."""

import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.envelope import Template
from handlers.i18n import N_, format_date, gettext
from handlers.legal.topics import question_ref, topic_label
from handlers.reminders.escalation import EscalationReason
from handlers.reminders.recipients import Recipient, do_tell, person_recipient
from handlers.reminders.watch import Watched
from handlers.services.requests import shorten
from handlers.staff.chats import staff_chat_identity
from storage.enums import Language, RequestEventKind
from storage.models import LegalEvent, LegalQuestion

log = logging.getLogger(__name__)

HEADLINES = {
    "remind": N_("⏰ Reminder: legal question {ref} ({topic}), answer due: {due}"),
    EscalationReason.DEADLINE_NEAR: N_("⚠️ The deadline is near: legal question {ref} ({topic}) is due on {due} "
                                       "and has no answer yet."),
    EscalationReason.OVERDUE: N_("🚨 Overdue: legal question {ref} ({topic}) was due on {due} and has no answer."),
}


async def _lawyers_chat(session: AsyncSession, config: CoreConfig, now: datetime) -> Recipient | None:
    if not config.lawyers_chat:
        return None
    identity = await staff_chat_identity(session, config.lawyers_chat, now)
    return None if identity.blocked_at is not None else Recipient(identity, config.lawyers_chat_language)


def _compose(question: LegalQuestion, headline: str):
    def compose(language: Language) -> str:
        text = gettext(language, headline, ref=question_ref(question.id), topic=topic_label(question.topic, language),
                       due=format_date(question.due_date, language))
        return f"{text}\n«{shorten(' '.join(question.text.split()), 200)}»"
    return compose


async def do_remind_lawyer(session: AsyncSession, question: LegalQuestion, now: datetime, config: CoreConfig) -> str:
    recipient, to = None, "lawyer"
    if question.assignee_person_id is not None:
        recipient = await person_recipient(session, question.assignee_person_id)
    if recipient is None:
        recipient, to = await _lawyers_chat(session, config, now), "lawyers_chat"
    if recipient is None:
        to = "nobody"
    else:
        do_tell(session, recipient, _compose(question, HEADLINES["remind"]), now,
                Template("staff_reminder", {"1": question_ref(question.id), "2": question.due_date.isoformat()}))
    question.reminded_at = now
    session.add(LegalEvent(question_id=question.id, kind=RequestEventKind.REMINDED, at=now, detail={"to": to}))
    return to


async def do_escalate_to_lawyers(session: AsyncSession, question: LegalQuestion, reason: EscalationReason,
                                 now: datetime, config: CoreConfig) -> int:
    chat = await _lawyers_chat(session, config, now)
    if chat is None:
        log.warning("legal question %s needs attention (%s), but there is no lawyers' chat", question.id, reason)
    else:
        do_tell(session, chat, _compose(question, HEADLINES[reason]), now)
    session.add(LegalEvent(question_id=question.id, kind=RequestEventKind.ESCALATED, at=now,
                           detail={"reason": reason.value, "chat": chat is not None}))
    return int(chat is not None)


LEGAL_QUESTIONS = Watched(LegalQuestion, do_remind_lawyer, do_escalate_to_lawyers)
