"""Residents' answers to a notice ("I saw it", "I will come": a button, or "+" on WhatsApp) and muting.

An answer arrives in whatever step the resident's dialog is in; it is taken without
moving the dialog (no question is asked again), so a draft in progress is not disturbed.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.notice import MUTE_VALUE, parse_ack
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, decode_option
from handlers.services.identities import insert_ignore
from storage.enums import BroadcastAck, BroadcastKind
from storage.models import Broadcast, BroadcastMute, BroadcastRecipient

PLUS_WORDS = {"+", "➕", "👍"}
PLUS_WINDOW = timedelta(days=3)
COMING_KINDS = (BroadcastKind.MEETING, BroadcastKind.HEARING)


@dataclass(frozen=True)
class NoticeAnswer:
    """What a resident's answer to a notice of one kind does besides being counted, provided by
    the feature that owns such notices (``Feature.provides``): "I will come" to a public
    hearing registers the resident (initiatives). It returns what to tell the resident."""

    kind: BroadcastKind
    answer: Callable[[Turn, int], Awaitable[str]]
    """(the turn, the broadcast's id) → the reply."""


def pressed(turn: Turn) -> str | None:
    """The value of a button pressed under a notice, if this turn is such a press."""
    if turn.kind != InputKind.OPTION:
        return None
    _nonce, value = decode_option(turn.message.option or "")
    return value if value == MUTE_VALUE or parse_ack(value) is not None else None


async def answer_to_notice(turn: Turn) -> bool:
    """Takes a resident's answer to a notice; true if the turn was one (and is answered)."""
    value = pressed(turn)
    if value == MUTE_VALUE:
        await do_set_muted(turn.session, turn.resident.id, True, turn.now)
        turn.say(turn._("Done: ordinary announcements are muted. Emergency notices still come; "
                        "send /notices to turn announcements back on."))
        return True
    broadcast_id = parse_ack(value) if value else None
    recipient = None
    if broadcast_id is not None and turn.person is not None:
        recipient = await _recipient(turn.session, broadcast_id, turn.person.id)
    elif turn.kind == InputKind.TEXT and turn.text in PLUS_WORDS and turn.person is not None:
        recipient = await _latest_unanswered(turn.session, turn.identity.id, turn.now)
        if recipient is None:
            return False  # an ordinary "+": let the dialog have it
    elif broadcast_id is None:
        return False
    if recipient is None:
        turn.say(turn._("This notice was not addressed to you, or it is no longer available."))
        return True
    kind = await turn.session.scalar(sa.select(Broadcast.kind).where(Broadcast.id == recipient.broadcast_id))
    if recipient.ack is None:
        recipient.ack = BroadcastAck.COMING if kind in COMING_KINDS else BroadcastAck.SEEN
        recipient.acked_at = turn.now
    for special in turn.config.features.provided(NoticeAnswer):
        if special.kind == kind:
            turn.say(await special.answer(turn, recipient.broadcast_id))
            return True
    turn.say(turn._("Thank you, we will expect you.") if kind == BroadcastKind.MEETING
             else turn._("Thank you, noted."))
    return True


async def _recipient(session: AsyncSession, broadcast_id: int, person_id: int) -> BroadcastRecipient | None:
    return (await session.execute(sa.select(BroadcastRecipient).where(
        BroadcastRecipient.broadcast_id == broadcast_id, BroadcastRecipient.person_id == person_id))
            ).scalar_one_or_none()


async def _latest_unanswered(session: AsyncSession, identity_id: int, now: datetime) -> BroadcastRecipient | None:
    query = (sa.select(BroadcastRecipient).join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
             .where(BroadcastRecipient.identity_id == identity_id, BroadcastRecipient.ack.is_(None),
                    Broadcast.started_at >= now - PLUS_WINDOW)
             .order_by(BroadcastRecipient.id.desc()).limit(1))
    return (await session.execute(query)).scalar_one_or_none()


async def is_muted(session: AsyncSession, person_id: int) -> bool:
    return await session.get(BroadcastMute, person_id) is not None


async def do_set_muted(session: AsyncSession, person_id: int, muted: bool, now: datetime) -> None:
    if muted:
        await session.execute(insert_ignore(session, BroadcastMute).values(person_id=person_id, muted_at=now))
    else:
        await session.execute(sa.delete(BroadcastMute).where(BroadcastMute.person_id == person_id))
