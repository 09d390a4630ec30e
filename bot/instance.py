"""This process as one instance of a deployment: a row in ``instances`` kept alive by a heartbeat.

What an instance claims (outbox rows under way, the leases it holds: the scheduler's, delivery
lanes) is tied to this row rather than to a timeout of its own: while the heartbeat renews
``alive_until`` (and the leases with it) nobody else takes it, and once the row lapses (the
process died, or lost the database) any other instance does.
The heartbeat renews every quarter of the time to live, so a dead instance's work is taken
over at most ``ttl`` plus one claim round after its last beat. An instance that knows its own
row may have lapsed (``holds`` is false) stops sending what it claimed: another may have it.
"""

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from handlers.services.identities import insert_or_update
from scheduler.lease import do_hold_lease
from storage.db import Database
from storage.models import Instance as InstanceRow
from storage.models import SchedulerLease
from storage.types import utcnow

log = logging.getLogger(__name__)

DEFAULT_TTL = timedelta(seconds=5)
FORGET_AFTER = timedelta(days=1)


def new_instance_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def alive(holder: ColumnElement, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """True where ``holder`` names an instance whose row has not lapsed at ``now``."""
    return sa.exists().where(InstanceRow.id == holder, InstanceRow.alive_until > now)


class Instance:
    def __init__(self, db: Database, *, ttl: timedelta = DEFAULT_TTL, clock: Callable[[], datetime] = utcnow,
                 instance_id: str | None = None) -> None:
        self.db, self.ttl, self.clock = db, ttl, clock
        self.id = instance_id or new_instance_id()
        self.alive_until: datetime | None = None
        """Until when the row was last renewed (as far as this process knows)."""

    def holds(self) -> bool:
        return self.alive_until is not None and self.clock() < self.alive_until

    def fresh(self) -> bool:
        """The row has more than half its time to live ahead (the heartbeat renews it every quarter):
        a claim made now needs no beat of its own to stay this instance's while it sends."""
        return self.alive_until is not None and self.alive_until - self.clock() > self.ttl / 2

    async def beat(self, session: AsyncSession) -> datetime:
        """Renews the row in the caller's transaction; once that commits, the caller tells ``renewed``."""
        now = self.clock()
        until = now + self.ttl
        await session.execute(insert_or_update(session, InstanceRow, {"id": self.id, "alive_until": until,
                                                                      "started_at": now},
                                               [InstanceRow.id], {"alive_until": until}))
        await session.execute(sa.update(SchedulerLease).where(SchedulerLease.holder == self.id,
                                                               SchedulerLease.expires_at > now)
                              .values(expires_at=until))
        return until

    def renewed(self, until: datetime) -> None:
        if self.alive_until is None or until > self.alive_until:
            self.alive_until = until

    async def renew(self) -> None:
        async with self.db.transaction() as session:
            until = await self.beat(session)
        self.renewed(until)

    async def keep_alive(self) -> None:
        """The heartbeat: renews every quarter of the time to live until cancelled (first forgetting
        instances dead for a day)."""
        try:
            async with self.db.transaction() as session:
                horizon = self.clock() - FORGET_AFTER
                await session.execute(sa.delete(InstanceRow).where(InstanceRow.alive_until < horizon))
        except Exception:
            log.exception("could not forget long-dead instances")
        while True:
            try:
                await self.renew()
            except Exception:
                log.exception("instance %s could not renew its heartbeat", self.id)
            await asyncio.sleep(self.ttl.total_seconds() / 4)

    async def retire(self) -> None:
        """A clean stop: the row goes, so others take over at once."""
        async with self.db.transaction() as session:
            await session.execute(sa.delete(InstanceRow).where(InstanceRow.id == self.id))
            await session.execute(sa.update(SchedulerLease).where(SchedulerLease.holder == self.id)
                                  .values(expires_at=self.clock()))
        self.alive_until = None


class HeldLease:
    """A named lease held with an instance (renewed by its heartbeat, lapsing with it): one holder
    in the deployment at a time, e.g. the poller of a bot."""

    def __init__(self, instance: Instance, name: str) -> None:
        self.instance, self.name = instance, name

    async def hold(self) -> bool:
        """Takes the lease if it is free or lapsed, keeps it if ours; true if ours now."""
        instance = self.instance
        async with instance.db.transaction() as session:
            until = await instance.beat(session)
            state = await do_hold_lease(session, self.name, instance.id, instance.clock(), until - instance.clock())
        instance.renewed(until)
        return state.held_by(instance.id)
