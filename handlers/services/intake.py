"""Claiming a recorded update for processing, exactly once."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Incoming, InputKind
from storage.enums import IntakeStatus
from storage.models import ChannelIdentity, IntakeItem


async def do_claim_intake(session: AsyncSession, intake_id: int, now: datetime) -> bool:
    """Marks the update processed in the caller's unit of work; false if it already was."""
    return intake_id in await do_claim_intakes(session, [intake_id], now)


async def do_claim_intakes(session: AsyncSession, intake_ids: list[int], now: datetime) -> set[int]:
    """Marks these updates processed in the caller's unit of work; returns those that were not yet."""
    if not intake_ids:
        return set()
    claimed = await session.execute(
        sa.update(IntakeItem)
        .where(IntakeItem.id.in_(intake_ids), IntakeItem.status == IntakeStatus.PENDING)
        .values(status=IntakeStatus.DONE, processed_at=now, payload=None)
        .returning(IntakeItem.id))
    return set(claimed.scalars())


def inbound_row(identity: ChannelIdentity, incoming: Incoming, *, consented: bool, now: datetime) -> dict[str, object]:
    """The log entry (an ``InboundMessage`` row) of what the person sent.
    Before consent only button presses and commands are kept."""
    keep = consented or incoming.kind == InputKind.OPTION or (incoming.text or "").startswith("/")
    payload: dict[str, object] = {"option": incoming.option} if incoming.option else {}
    if keep:
        if incoming.attachments:
            payload["attachments"] = [{"kind": a.kind.value, "ref": a.ref, "mime_type": a.mime_type}
                                      for a in incoming.attachments]
        if incoming.location:
            payload["location"] = [incoming.location.latitude, incoming.location.longitude]
    else:
        payload["withheld"] = "before consent"
    return dict(identity_id=identity.id, kind=incoming.kind.value, text=incoming.text if keep else None,
                payload=payload, intake_id=incoming.intake_id, created_at=now)
