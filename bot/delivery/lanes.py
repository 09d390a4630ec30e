"""Delivery lanes shared by instances: each lane (a Telegram bot, WhatsApp, …) is sent by one
instance at a time, so the lane's limit (30 messages a second for a bot) holds across all
instances together.

A lane is a lease row (``scheduler_lease``, named ``lane:<prefix>``) held by an instance,
renewed by that instance's heartbeat (``bot.instance``) and free once it lapses, so a dead
instance's lanes are taken over within its heartbeat's time to live. Lanes are spread: an
instance takes free lanes up to its fair share (lanes / live instances, rounded up) and gives
back an idle lane beyond it, so a newly started instance gets some.
"""

import math
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from bot.instance import Instance
from scheduler.lease import do_hold_lease, do_release_lease
from storage.models import Instance as InstanceRow
from storage.models import SchedulerLease

PREFIX = "lane:"


class LaneLeases:
    def __init__(self, instance: Instance) -> None:
        self.instance = instance

    async def hold(self, session: AsyncSession, lanes: list[str], until: datetime, *, busy: set[str]) -> set[str]:
        """The lanes (prefixes) this instance sends for now, in the caller's transaction; ``until`` is
        its heartbeat's current end; ``busy`` lanes have messages under way here and are kept."""
        now, me = self.instance.clock(), self.instance.id
        live = await session.scalar(sa.select(sa.func.count()).select_from(InstanceRow)
                                    .where(InstanceRow.alive_until > now)) or 1
        share = math.ceil(len(lanes) / live)
        leases = {row.name: row for row in (await session.execute(  # plain rows: do_hold_lease loads afresh
            sa.select(SchedulerLease.name, SchedulerLease.holder, SchedulerLease.expires_at)
            .where(SchedulerLease.name.in_([PREFIX + lane for lane in lanes])))).all()}
        mine = [lane for lane in lanes if (lease := leases.get(PREFIX + lane)) is not None
                and lease.holder == me and lease.expires_at > now]
        for lane in sorted(set(mine) - busy, reverse=True):
            if len(mine) <= share:
                break
            await do_release_lease(session, PREFIX + lane, me, now)
            mine.remove(lane)
        for lane in lanes:
            if len(mine) >= share:
                break
            lease = leases.get(PREFIX + lane)
            if lane in mine or (lease is not None and lease.expires_at > now):
                continue
            if (await do_hold_lease(session, PREFIX + lane, me, now, until - now)).held_by(me):
                mine.append(lane)
        return set(mine)
