"""Announcements at the platform's limit: one bot, then three bots in one process.

    .venv/bin/python -m bench.broadcast [--recipients 3000] [--per-bot 1000] [--limit 30] [--db sqlite|postgresql]

Against the fake Bot API with its rate limit on (429 + retry_after beyond LIMIT messages in
any one-second window per bot, 1 per chat), the real delivery worker and aiogram Bots send
(1) one broadcast to RECIPIENTS residents on one bot, (2) three broadcasts of PER_BOT
residents, each on its own bot, ordered at once. Figures, measured at the server:

- rate: the messages sent in the whole seconds from the first one (the last, partial
  second left out), per second; as a ratio to the limit (× the number of bots). A perfect
  sliding-window sender scores 1.0.
- busiest_window: the most messages the server saw in any one second (per bot).
- too_many_requests: 429 answers; lost: recipients with no copy; duplicated: extra copies.
- expand_s: the expansion of a broadcast into outbox rows (one transaction).

As in production, the Bot API is elsewhere: the fake server runs in a child process
(bench/_fake_bot_api.py); this process runs the bots, the delivery worker and the database.
Writes bench/results/broadcast.json; asserts nothing.
"""

import argparse
import asyncio
import json
import logging
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bench._common import fresh_database, write_results
from bot.channels import CAPABILITIES
from bot.delivery.worker import DeliveryWorker
from bot.telegram.sender import TelegramSender
from handlers.broadcasts.audience import sender_rights
from handlers.broadcasts.orders import Order, do_order_broadcast
from handlers.broadcasts.runner import BroadcastRunner
from handlers.demo import do_load_demo
from handlers.features import core_config
from storage.db import Database
from storage.enums import BroadcastKind, BroadcastStatus, Channel, Role
from storage.migrate import migrate
from storage.models import Broadcast, ChannelIdentity, Person
from storage.types import utcnow
from tests.broadcast_world import add_residents, demo_quarters, grant

REPO = Path(__file__).resolve().parent.parent
TOKENS = ["810001:bench-a", "810002:bench-b", "810003:bench-c"]


def whole_seconds_rate(times: list[float]) -> float:
    first, last = min(times), max(times)
    seconds = max(1, int(last - first))
    return sum(1 for t in times if t < first + seconds) / seconds


def busiest_window(times: list[float]) -> int:
    times, best, start = sorted(times), 0, 0
    for end, moment in enumerate(times):
        while times[start] <= moment - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


class FakeServerProcess:
    """The fake Bot API in a child process (bench/_fake_bot_api.py)."""

    def __init__(self, limit: int, tokens: list[str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "bench._fake_bot_api", str(limit), *tokens],
                                        cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.base_url = self.process.stdout.readline().strip()

    def stats(self) -> dict:
        self.process.stdin.write("stats\n")
        self.process.stdin.flush()
        stats = json.loads(self.process.stdout.readline())
        self.process.wait(timeout=30)
        return stats


async def scenario(db_url: str, bots: int, per_bot: int, limit: int) -> dict:
    tokens = TOKENS[:bots]
    api = FakeServerProcess(limit, tokens)
    db = Database(db_url)
    await migrate(db)
    async with db.transaction() as session:
        await do_load_demo(session)
    quarters = await demo_quarters(db)
    groups = [quarters[i::bots] for i in range(bots)]  # each bot's residents live in their own quarters
    head_ids = []
    for index, token in enumerate(tokens):
        bot_id = int(token.split(":")[0])
        await add_residents(db, groups[index], per_bot, address=f"telegram:{bot_id}:{{}}")
        [head] = await add_residents(db, groups[index][:1], 1, address=f"telegram:{bot_id}:{10_000_000}")
        head_ids.append(head)
    aiogram_bots = [Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
                    for token in tokens]
    sender = TelegramSender({bot.id: bot for bot in aiogram_bots}, per_bot_per_second=limit, per_chat_interval=1.0)
    worker = DeliveryWorker(db, {Channel.TELEGRAM: sender})
    runner = BroadcastRunner(db, core_config(capabilities=CAPABILITIES, quiet_hours=None), on_outbox=worker.wake)
    text = "Bench notice"
    for index, head_id in enumerate(head_ids):
        await grant(db, head_id, Role.HEAD)
        async with db.transaction() as session:
            head = await session.get(Person, head_id)
            identity = (await session.scalars(sa.select(ChannelIdentity)
                                              .where(ChannelIdentity.person_id == head_id))).one()
            await do_order_broadcast(session, rights=await sender_rights(session, head), author=head,
                                     identity=identity, now=utcnow(),
                                     order=Order(BroadcastKind.ORDINARY, groups[index], None, text, None, None))
    delivery = asyncio.create_task(worker.run())
    began = time.monotonic()
    await runner.tick()
    expand_s = time.monotonic() - began
    while True:
        await asyncio.sleep(1.0)
        await runner.tick()
        async with db.reader() as session:
            statuses = set((await session.scalars(sa.select(Broadcast.status))).all())
        if statuses == {BroadcastStatus.DONE}:
            break
    wall = time.monotonic() - began
    worker.stop()
    await delivery
    figures: dict = {"bots": bots, "recipients": bots * per_bot, "limit_per_bot": limit, "expand_s": round(expand_s, 2)}
    per_bot_figures, all_times, lost, duplicated = [], [], 0, 0
    stats = api.stats()
    for token in tokens:
        notices = [(at, chat) for at, chat, sent_text in stats[token]["sent"] if text in (sent_text or "")]
        times = [at for at, _chat in notices]
        got = Counter(chat for _at, chat in notices)
        lost += len({c for c in range(per_bot)} - set(got))
        duplicated += sum(got.values()) - len(got)
        all_times += times
        per_bot_figures.append({"messages": len(notices), "rate": round(whole_seconds_rate(times), 2),
                                "busiest_window": busiest_window(times),
                                "too_many_requests": stats[token]["too_many_requests"]})
    rate = whole_seconds_rate(all_times)
    figures.update(rate=round(rate, 2), ratio_to_limit=round(rate / (limit * bots), 3),
                   wall_s=round(wall, 1), wall_ratio=round(len(all_times) / wall / (limit * bots), 3),
                   too_many_requests=sum(stats[t]["too_many_requests"] for t in tokens), lost=lost,
                   duplicated=duplicated,
                   per_bot=per_bot_figures)
    for bot in aiogram_bots:
        await bot.session.close()
    await db.dispose()
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--per-bot", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    results = {"db": args.db}
    for name, bots, per_bot in (("one_bot", 1, args.recipients), ("three_bots", 3, args.per_bot)):
        async with fresh_database(args.db) as url:
            results[name] = figures = await scenario(url, bots, per_bot, args.limit)
        print(f"{name}: {figures['recipients']} recipients on {bots} bot(s): {figures['rate']} msg/s = "
              f"{figures['ratio_to_limit']} × {bots} × limit {args.limit} (wall incl. expansion "
              f"{figures['wall_s']} s, {figures['wall_ratio']}); 429s {figures['too_many_requests']}, "
              f"lost {figures['lost']}, duplicated {figures['duplicated']}; busiest window per bot "
              f"{[b['busiest_window'] for b in figures['per_bot']]}; expansion {figures['expand_s']} s", flush=True)
    print("written to", write_results("broadcast", results))


if __name__ == "__main__":
    asyncio.run(main())
