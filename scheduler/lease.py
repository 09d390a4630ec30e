"""Exactly one scheduler per deployment: the process holding the ``scheduler_lease`` row runs it.

The holder renews the lease well before it expires; any process may take over a lease
that expired (its holder died or lost the database). A holder that stops releases the
lease, so a standby process takes over at its next check.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.identities import insert_ignore
from storage.models import SchedulerLease


@dataclass(frozen=True)
class LeaseState:
    holder: str
    expires_at: datetime

    def held_by(self, holder: str) -> bool:
        return self.holder == holder


async def do_hold_lease(session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta) -> LeaseState:
    """Acquires, renews or takes over the lease if it is free, ours or expired; returns who holds it now."""
    await session.execute(insert_ignore(session, SchedulerLease).values(name=name, holder=holder,
                                                                        expires_at=now + ttl))
    lease = (await session.execute(sa.select(SchedulerLease).where(SchedulerLease.name == name)
                                   .with_for_update())).scalar_one()
    if lease.holder == holder or lease.expires_at <= now:
        lease.holder, lease.expires_at = holder, now + ttl
    return LeaseState(lease.holder, lease.expires_at)


async def do_release_lease(session: AsyncSession, name: str, holder: str, now: datetime) -> None:
    await session.execute(sa.update(SchedulerLease)
                          .where(SchedulerLease.name == name, SchedulerLease.holder == holder)
                          .values(expires_at=now))
