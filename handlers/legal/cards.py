"""A legal question's card in the lawyers' chat, kept up to date in place (``Reply.edit_of``),
as a request's card is in its department's chat. Buttons carry ``legal:<action>:<question id>``;
the staff chat hands presses in the lawyers' chat to ``chat.LegalChat``.
"""

from dataclasses import replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.envelope import Option, Reply
from handlers.i18n import N_, format_date, gettext, pick
from handlers.legal import labels
from handlers.legal.topics import question_ref, topic_label
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from handlers.services.requests import shorten, status_label
from handlers.staff.chats import staff_chat_identity
from storage.db import get_referenced
from storage.enums import Language, RequestStatus
from storage.models import LegalQuestion, Municipality, Person

CARD_PREFIX = "legal"


class LegalAction(StrEnum):
    VIEW = "view"
    TAKE = "take"
    ANSWER = "answer"
    ASK = "ask"
    HAND_OVER = "hand_over"
    PUBLISH = "publish"
    EXPORT = "export"
    IMPORT = "import"
    MARK_WRONG = "mark_wrong"


CARD_BUTTONS = [
    (LegalAction.TAKE, labels.TAKE),
    (LegalAction.ANSWER, labels.ANSWER),
    (LegalAction.ASK, N_("❓ Ask the asker")),
    (LegalAction.HAND_OVER, N_("↪️ Hand over")),
]


def parse_legal_option(value: str) -> tuple[LegalAction, int, str] | None:
    """``legal:take:42`` → (TAKE, 42, ""); ``legal:hand_over:42:7`` → (HAND_OVER, 42, "7")."""
    parts = value.split(":")
    if len(parts) < 3 or parts[0] != CARD_PREFIX or not parts[2].isdigit() or parts[1] not in set(LegalAction):
        return None
    return LegalAction(parts[1]), int(parts[2]), ":".join(parts[3:])


async def card_reply(session: AsyncSession, question: LegalQuestion, language: Language) -> Reply:
    municipality = await get_referenced(session, Municipality, question.municipality_id)
    lawyer = await session.get(Person, question.assignee_person_id) if question.assignee_person_id else None
    _ = lambda message, **values: gettext(language, message, **values)  # noqa: E731
    lines = [f"⚖️ {question_ref(question.id)} · {status_label(question.status, language)}",
             "🗂 " + topic_label(question.topic, language),
             "🏛 " + pick(language, municipality.name_ky, municipality.name_ru),
             "⏰ " + _("Answer due: {date}", date=format_date(question.due_date, language))]
    if question.confidential:
        lines.append("🔒 " + _("Confidential: lawyers only"))
    lines += ["", shorten(question.text, 1500)]
    if question.attachments:
        lines.append("📎 " + _("Document photos: {count} (in the back office)", count=len(question.attachments)))
    if lawyer is not None:
        lines.append("🙋 " + _(labels.TAKEN_BY, name=lawyer.display_name or "—"))
    options = []
    if question.status in (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW):
        options = [Option(f"{CARD_PREFIX}:{action.value}:{question.id}", gettext(Language.KY, label),
                          gettext(Language.RU, label))
                   for action, label in CARD_BUTTONS if not (action == LegalAction.TAKE and lawyer is not None)]
    return Reply("\n".join(lines), options=options, language=language)


async def do_post_legal_card(session: AsyncSession, config: CoreConfig, question: LegalQuestion,
                             now: datetime) -> None:
    """Posts the card to the lawyers' chat (if there is one), or replaces the one posted."""
    if not config.lawyers_chat:
        return
    identity = await staff_chat_identity(session, config.lawyers_chat, now)
    reply = await card_reply(session, question, config.lawyers_chat_language)
    reply = replace(reply, edit_of=question.card_outbox_id)
    message = do_enqueue(session, identity, reply, now, priority=PRIORITY_NOTIFICATION)
    if question.card_outbox_id is None:
        await session.flush()
        question.card_outbox_id = message.id


async def do_post_under_card(session: AsyncSession, config: CoreConfig, question: LegalQuestion, text: str,
                             now: datetime) -> None:
    """A message in the question's thread in the lawyers' chat (e.g. the asker's reply)."""
    if not config.lawyers_chat:
        return
    identity = await staff_chat_identity(session, config.lawyers_chat, now)
    do_enqueue(session, identity, Reply(text, language=config.lawyers_chat_language, reply_to=question.card_outbox_id),
               now, priority=PRIORITY_NOTIFICATION)
