"""What one /metrics scrape costs the database: the outbox backlog, leases and overdue requests.

    .venv/bin/python -m bench.metrics_scrape [--waiting 100000] [--sent 400000] [--db sqlite|postgresql]

A fresh database (the demo municipality) gets ``--sent`` outbox rows already sent and ``--waiting``
rows waiting (a broadcast under way on three bots, as bot/ops/scrape.py groups them), then the
gauges are read 20 times (bot/ops/scrape.py ``do_read_gauges``, as /metrics does). Prints the
median and the slowest read; asserts nothing.
"""

import argparse
import asyncio
import statistics
import time

import sqlalchemy as sa

from bench._common import fresh_database
from bot.ops.metrics import Metrics
from bot.ops.scrape import do_read_gauges
from handlers.demo import do_load_demo
from storage.db import Database
from storage.enums import Channel, OutboxStatus
from storage.migrate import migrate
from storage.models import ChannelIdentity, OutboxMessage
from storage.types import utcnow

BOTS = (111111, 222222, 333333)


async def fill(db: Database, waiting: int, sent: int) -> None:
    now = utcnow()
    async with db.transaction() as session:
        await do_load_demo(session)
        identity = ChannelIdentity(address="telegram:111111:1", channel=Channel.TELEGRAM, created_at=now)
        session.add(identity)
        await session.flush()
        for start in range(0, waiting + sent, 20_000):
            rows = [{"identity_id": identity.id, "channel": Channel.TELEGRAM,
                     "address": f"telegram:{BOTS[n % 3]}:{n}", "payload": {"text": "…"}, "priority": 1,
                     "status": OutboxStatus.SENT if n >= waiting else OutboxStatus.PENDING, "attempts": 0,
                     "next_attempt_at": now, "created_at": now}
                    for n in range(start, min(start + 20_000, waiting + sent))]
            await session.execute(sa.insert(OutboxMessage), rows)


async def bench(waiting: int, sent: int, backend: str) -> None:
    async with fresh_database(backend) as url:
        db = Database(url)
        try:
            await migrate(db)
            await fill(db, waiting, sent)
            metrics, times = Metrics(), []
            for _ in range(20):
                started = time.perf_counter()
                await do_read_gauges(db, metrics, utcnow())
                times.append(time.perf_counter() - started)
            backlog = {s.labels["bot"]: s.value for s in metrics.backlog.collect()[0].samples}
        finally:
            await db.dispose()
    print(f"{backend}: {waiting:,} waiting and {sent:,} sent outbox rows; backlog read {backlog}")
    print(f"one scrape's database reads: median {statistics.median(times) * 1000:.1f} ms, "
          f"slowest {max(times) * 1000:.1f} ms (20 scrapes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waiting", type=int, default=100_000)
    parser.add_argument("--sent", type=int, default=400_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    asyncio.run(bench(args.waiting, args.sent, args.db))


if __name__ == "__main__":
    main()
