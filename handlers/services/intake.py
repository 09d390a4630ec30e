"""Claiming a recorded update for processing, exactly once."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Incoming, InputKind
from storage.enums import IntakeStatus
from storage.models import ChannelIdentity, InboundMessage, IntakeItem


async def do_claim_intake(session: AsyncSession, intake_id: int, now: datetime) -> bool:
    """Marks the update processed in the caller's unit of work; false if it already was."""
    claimed = await session.execute(
        sa.update(IntakeItem)
        .where(IntakeItem.id == intake_id, IntakeItem.status == IntakeStatus.PENDING)
        .values(status=IntakeStatus.DONE, processed_at=now, payload=None)
        .returning(IntakeItem.id))
    return claimed.scalar_one_or_none() is not None


def do_record_inbound(session: AsyncSession, identity: ChannelIdentity, incoming: Incoming, *,
                      consented: bool, now: datetime) -> None:
    """Logs what the person sent. Before consent only button presses and commands are kept."""
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
    session.add(InboundMessage(identity_id=identity.id, kind=incoming.kind.value,
                               text=incoming.text if keep else None, payload=payload,
                               intake_id=incoming.intake_id, created_at=now))
