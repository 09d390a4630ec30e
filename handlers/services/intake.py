"""Claiming a recorded update for processing, exactly once."""

import functools
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Incoming, InputKind
from storage.enums import IntakeStatus
from storage.models import ChannelIdentity, IntakeItem
from storage.plan_shapes import dialect_of, one_of
from storage.types import UTCDateTime


async def do_claim_intake(session: AsyncSession, intake_id: int, now: datetime) -> bool:
    """Marks the update processed in the caller's unit of work; false if it already was."""
    return intake_id in await do_claim_intakes(session, [intake_id], now)


async def do_claim_intakes(session: AsyncSession, intake_ids: list[int], now: datetime) -> set[int]:
    """Marks these updates processed in the caller's unit of work; returns those that were not yet."""
    if not intake_ids:
        return set()
    claimed = await session.execute(_marking_done(dialect_of(session)), {"ids": intake_ids, "now": now})
    return set(claimed.scalars())


@functools.cache
def _marking_done(dialect: str) -> sa.Update:
    """Built once (its values parameters), in Core: the turn's first statement, in every batch."""
    table = cast(sa.Table, IntakeItem.__table__)
    return (sa.update(table).where(one_of(table.c.id, "ids", sa.Integer(), dialect),
                                   table.c.status == IntakeStatus.PENDING)
            .values(status=IntakeStatus.DONE, processed_at=sa.bindparam("now", type_=UTCDateTime()), payload=None)
            .returning(table.c.id))


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
