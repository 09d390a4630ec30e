"""Delivery reports from a platform (sent, delivered, read, failed…) for messages we sent."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Channel, OutboxStatus
from storage.models import OutboxMessage

PROGRESS = {"accepted": 0, "queued": 1, "sending": 2, "sent": 3, "delivered": 4, "read": 5,
            "failed": 9, "undelivered": 9}


async def do_record_delivery_report(session: AsyncSession, channel: Channel, external_id: str, report: str, *,
                                    error_code: int | None = None, outcome: OutboxStatus | None = None) -> bool:
    """Notes what the platform says about a message; false if we do not know the message.

    Reports can arrive out of order: a 'sent' after a 'delivered' does not move it back. Two reports
    of one message can arrive at the same moment: the row is locked while it is compared (on
    PostgreSQL each would otherwise compare with the state before the other and the later commit win).
    ``outcome`` changes the outbox status too (e.g. failed, or needs a template).
    """
    message = (await session.execute(sa.select(OutboxMessage).where(
        OutboxMessage.channel == channel, OutboxMessage.external_id == external_id).with_for_update())
               ).scalar_one_or_none()
    if message is None:
        return False
    if PROGRESS.get(report, 0) >= PROGRESS.get(message.delivery_status or "", 0):
        message.delivery_status = report
    if error_code is not None:
        message.error_code = error_code
        message.last_error = f"{report} ({error_code})"
    if outcome is not None:
        message.status = outcome
    return True
