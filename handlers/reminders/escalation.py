"""Telling the head(s) of the municipality about a request that needs their attention.

The deadline watch calls it when a deadline is near and when it has passed; the staff
desk calls it when a resident says the problem was not solved.
"""

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Template
from handlers.i18n import N_, gettext
from handlers.reminders.facts import facts_of
from handlers.reminders.recipients import do_tell, heads_of
from storage.enums import Language, RequestEventKind
from storage.models import Request, RequestEvent

log = logging.getLogger(__name__)


class EscalationReason(StrEnum):
    DEADLINE_NEAR = "deadline_near"
    OVERDUE = "overdue"
    NOT_SOLVED = "not_solved"


HEADLINES = {
    EscalationReason.DEADLINE_NEAR: N_("⚠️ The deadline is near: the answer to request {ticket} ({category}, "
                                       "{department}) is due on {due}, and there is no answer yet."),
    EscalationReason.OVERDUE: N_("🚨 Overdue: the answer to request {ticket} ({category}, {department}) "
                                 "was due on {due}, and there is no answer."),
    EscalationReason.NOT_SOLVED: N_("🔁 The resident says the problem in request {ticket} ({category}, "
                                    "{department}) was not solved; the request is open again."),
}


async def do_escalate_to_head(session: AsyncSession, request: Request, reason: EscalationReason,
                              now: datetime) -> int:
    """Tells every reachable head of the request's municipality; notes it in the request's history.

    Returns how many heads were told (a head without a messenger sees it in the back office).
    """
    facts = await facts_of(session, request)

    def compose(language: Language) -> str:
        headline = gettext(language, HEADLINES[reason], **facts.values(language))
        return f"{headline}\n{facts.assignee_line(language)}\n{facts.excerpt}"

    heads = await heads_of(session, request.municipality_id)
    template = Template("staff_escalation", {"1": request.ticket, "2": request.due_date.isoformat()})
    for head in heads:
        do_tell(session, head, compose, now, template)
    if not heads:
        log.warning("request %s needs the head's attention (%s), but no head can be reached", request.ticket, reason)
    session.add(RequestEvent(request_id=request.id, kind=RequestEventKind.ESCALATED, at=now,
                             detail={"reason": reason.value, "heads": len(heads)}))
    return len(heads)
