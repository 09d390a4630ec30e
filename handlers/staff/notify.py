"""Telling staff what a resident did: answered a question, or said the problem is not solved."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import gettext
from handlers.reminders.escalation import EscalationReason, do_escalate_to_head
from handlers.staff.cards import do_post_in_thread, do_refresh_cards
from storage.models import Request, RequestEvent


async def do_tell_staff_of_reply(session: AsyncSession, request: Request, event: RequestEvent, now: datetime) -> None:
    attachments = (event.detail or {}).get("attachments", 0)

    def text(language) -> str:
        said = gettext(language, "💬 {ticket}: the resident answered:\n{text}", ticket=request.ticket,
                       text=event.text or "—")
        if attachments:
            said += "\n📎 " + gettext(language, "Attachments: {count} (in the back office)", count=attachments)
        return said

    await do_post_in_thread(session, request, text, now)


async def do_tell_staff_of_reopening(session: AsyncSession, request: Request, event: RequestEvent,
                                     now: datetime) -> None:
    await do_post_in_thread(session, request, lambda language: gettext(
        language,
        "⚠️ {ticket}: the resident says the problem is not solved. "
        "The request is open again; the head has been told.",
        ticket=request.ticket), now)
    await do_refresh_cards(session, request, now)
    await do_escalate_to_head(session, request, EscalationReason.NOT_SOLVED, now)
