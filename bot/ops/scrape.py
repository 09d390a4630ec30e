"""The figures ``/metrics`` reads from the database at each scrape: a few grouped counts, no rows.

- the outbox backlog (pending or sending) and its oldest message's age, by channel and bot: one
  ``GROUP BY`` over the rows still to send (the ``status`` index finds them; sent rows are not read);
- the holder of each unexpired lease (the ``scheduler_lease`` rows: the scheduler and any other
  lease kept there);
- the open requests past their deadline, by municipality code, 0 included (the ``due_at`` index).

The backlog's cost grows with the rows waiting (bench/metrics_scrape.py: about 0.3 s for 50,000 on a
loaded two-core machine, in the driver's thread: the event loop goes on meanwhile), so the figures are
read at most every ``GaugeReader.every`` seconds, however often and by however many they are scraped.
"""

import asyncio
import time
from datetime import datetime

import sqlalchemy as sa

from bot.ops.metrics import Metrics
from storage.db import Database
from storage.enums import Channel, OutboxStatus, RequestStatus
from storage.models import Municipality, OutboxMessage, Request, SchedulerLease

WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
OPEN = (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)
TELEGRAM_PREFIX = len("telegram:")


def _bot_column(dialect: str) -> sa.ColumnElement[str]:
    """The bot id of a ``telegram:<bot>:<chat>`` address, in SQL; '' for other channels."""
    address = OutboxMessage.address
    if dialect == "postgresql":
        bot = sa.func.split_part(address, ":", 2)
    else:
        rest = sa.func.substr(address, TELEGRAM_PREFIX + 1)
        bot = sa.func.substr(rest, 1, sa.func.instr(rest, ":") - 1)
    return sa.case((OutboxMessage.channel == Channel.TELEGRAM, bot), else_="")


class GaugeReader:
    """Reads the database gauges for a scrape, unless they were read less than ``every`` s ago."""

    def __init__(self, db: Database, metrics: Metrics, *, every: float = 10.0) -> None:
        self.db, self.metrics, self.every = db, metrics, every
        self._read_at = float("-inf")
        self._lock = asyncio.Lock()

    async def refresh(self, now: datetime) -> None:
        async with self._lock:  # scrapes at the same moment share one read
            if time.monotonic() - self._read_at < self.every:
                return
            await do_read_gauges(self.db, self.metrics, now)
            self._read_at = time.monotonic()


async def do_read_gauges(db: Database, metrics: Metrics, now: datetime) -> None:
    """Sets the database gauges of ``metrics`` to what the database holds now."""
    bot = _bot_column(db.dialect).label("bot")
    async with db.reader() as session:
        backlog = (await session.execute(
            sa.select(OutboxMessage.channel, bot, sa.func.count(), sa.func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_(WAITING)).group_by(OutboxMessage.channel, bot))).all()
        leases = (await session.execute(sa.select(SchedulerLease.name, SchedulerLease.holder)
                                        .where(SchedulerLease.expires_at > now))).all()
        overdue = (await session.execute(
            sa.select(Municipality.code, sa.func.count(Request.id))
            .outerjoin(Request, sa.and_(Request.municipality_id == Municipality.id, Request.status.in_(OPEN),
                                        Request.due_at < now))
            .group_by(Municipality.code))).all()
    metrics.backlog.clear()
    metrics.backlog_age.clear()
    for channel, bot_id, count, oldest in backlog:
        metrics.backlog.labels(str(channel), bot_id).set(count)
        metrics.backlog_age.labels(str(channel), bot_id).set(max(0.0, (now - oldest).total_seconds()))
    metrics.lease_holder.clear()
    for name, holder in leases:
        metrics.lease_holder.labels(name, holder).set(1)
    metrics.overdue.clear()
    for code, count in overdue:
        metrics.overdue.labels(code).set(count)
