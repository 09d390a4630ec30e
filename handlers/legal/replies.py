"""The asker's answer to a lawyer's clarifying question (called from the asker's dialog)."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.i18n import gettext
from handlers.legal.cards import do_post_under_card
from handlers.legal.topics import question_ref
from handlers.reminders.recipients import do_tell, person_recipient
from storage.enums import RequestEventKind
from storage.models import LegalEvent, LegalQuestion


async def do_record_asker_reply(session: AsyncSession, config: CoreConfig, question: LegalQuestion, text: str,
                                attachments: list[dict], now: datetime) -> None:
    """The asker's answer to a lawyer's question: in the history, and under the card."""
    session.add(LegalEvent(question_id=question.id, kind=RequestEventKind.RESIDENT_REPLIED, at=now,
                           actor_person_id=question.person_id, text=text or None,
                           detail={"attachments": len(attachments)} if attachments else None))
    question.updated_at = now
    if attachments:
        question.attachments = [*question.attachments, *attachments]
    await do_post_under_card(session, config, question, gettext(
        config.lawyers_chat_language, "💬 {ref}: the asker answered:\n{text}", ref=question_ref(question.id),
        text=text or "📎"), now)
    lawyer = await person_recipient(session, question.assignee_person_id) if question.assignee_person_id else None
    if lawyer is not None:
        do_tell(session, lawyer, lambda language: gettext(language, "💬 {ref}: the asker answered:\n{text}",
                                                          ref=question_ref(question.id), text=text or "📎"), now)
