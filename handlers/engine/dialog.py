"""How a turn ends: its next question asked, its replies written to the outbox.

``do_prompt_resident`` lets staff actions open a step in a resident's conversation (answer
a clarifying question, rate an answer) without waiting for the resident to write first.
"""

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.config import CoreConfig
from handlers.engine.flow import Flow, UnknownStep
from handlers.engine.turn import Turn
from handlers.services.identities import load_conversation, lock_identity, reachable_identity
from handlers.services.later import InsertLater
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue, note_written_to, outbox_row
from storage.db import get_referenced
from storage.models import OutboxMessage, Person

log = logging.getLogger(__name__)

MAX_PROMPTS_PER_TURN = 8


def current_flow(turn: Turn) -> Flow:
    """The flow the conversation is in. A stored step that no feature declares any more (a
    flow renamed or removed since) is logged and replaced by the main menu."""
    conversation, features = turn.conversation, turn.config.features
    try:
        flow = features.flow(conversation.flow)
        flow.step(conversation.step)
        return flow
    except UnknownStep as unknown:
        log.warning("conversation %s was in an unknown step (%s): back to the main menu", conversation.identity_id,
                    unknown)
        conversation.flow, conversation.step = features.home
        return features.flow(conversation.flow)


async def settle(turn: Turn) -> None:
    """Asks the question of the step the turn ended on (again, if it did not move)."""
    for _ in range(MAX_PROMPTS_PER_TURN):
        turn.moved = False
        await current_flow(turn).step(turn.conversation.step).prompt(turn)
        if not turn.moved:
            return
    raise RuntimeError(f"steps keep moving without asking: {turn.conversation.flow}/{turn.conversation.step}")


def finish(turn: Turn, *, priority: int = 0, later: InsertLater | None = None) -> None:
    """Stamps the conversation (and its timeout) and writes the turn's replies to the outbox
    (now, or with ``later``'s rows at the end of the unit of work)."""
    conversation = turn.conversation
    conversation.updated_at = turn.now
    times_out = current_flow(turn).times_out
    conversation.expires_at = turn.now + turn.config.dialog_timeout if times_out else None
    for reply in turn.replies:
        if later is None:
            do_enqueue(turn.session, turn.identity, reply, turn.now, priority=priority)
        else:
            later.add(OutboxMessage, outbox_row(turn.identity, reply, turn.now, priority=priority))
            note_written_to(turn.session, turn.identity.address)


async def do_prompt_resident(session: AsyncSession, config: CoreConfig, person_id: int, text: str,
                             flow: str, step: str, now: datetime, *, busy_hint: str | None, **data: Any) -> bool:
    """Tells a resident ``text`` and opens ``flow``/``step`` in their conversation.

    A resident in the middle of a draft (a flow that times out, with something told) is not interrupted: they
    get ``text`` and ``busy_hint`` (where to find the step later; ``None``: nothing more). False if the resident
    cannot be reached at all.
    """
    found = await reachable_identity(session, person_id)
    if found is None:
        return False
    identity = await lock_identity(session, found.channel, found.address, now)
    conversation = await load_conversation(session, identity, now)
    person = await get_referenced(session, Person, person_id)  # the identity found points at them
    turn = Turn(session, config, now, identity, conversation, person, None)
    if conversation.language is None:
        conversation.language = person.language
    if text:
        turn.say(text)
    if current_flow(turn).times_out and turn.data:  # a draft begun (not only the categories shown)
        if busy_hint is not None:
            turn.say(turn._(busy_hint))
    else:
        turn.go(flow, step, **data)
        await settle(turn)
    finish(turn, priority=PRIORITY_NOTIFICATION)
    return True
