"""Delivery instances as separate processes on one database (tests/broadcast_child.py) sending one
broadcast through the fake Bot API, every instance on the bot's lane (its send slots handed out
by the database), and maybe one SIGKILLed mid-way: what the multi-instance tests assert and
bench/instances_kill.py measures at many kill points."""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from storage.enums import OutboxStatus
from storage.models import OutboxMessage
from tests.broadcast_world import add_residents, demo_quarters
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.test_broadcast_delivery import BOT_ID, HEAD_CHAT, TOKEN, broadcast_done, copies, order_for_everybody, plain
from tests.test_limiter import busiest_window
from tests.waiting import PATIENCE, eventually

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Көчө жабылат / Улицу закроют"
HEARTBEAT_TTL = 3.0
SLOWEST_RATE = 27  # messages a second: the shared slots are spaced 10% more than 1/30 s apart


@dataclass
class BroadcastRun:
    residents: int
    reached: set[int]
    duplicates: int
    busiest_second: int
    too_many_requests: int
    progress: list[int]
    """The "sent N of M" counts of the head's progress line, in the order they arrived."""
    shares: list[int]
    """How many of the broadcast's messages each instance sent (as recorded), in start order."""
    takeover: float | None = None
    """Seconds from the SIGKILL until every message the killed instance held had arrived (again)."""
    killed: int | None = None
    """Which instance was killed (index into ``shares``)."""
    held_at_kill: int = 0
    """How many messages the killed instance held claimed when it died."""
    seconds: float = 0.0
    """From the instances' start to the last copy's arrival."""


def progress_states(api: FakeTelegramAPI) -> list[int]:
    found = [re.search(r"отправлено (\d+) из", plain(m.text or "")) for m in api.bot(TOKEN).sent_to(HEAD_CHAT)]
    return [int(match.group(1)) for match in found if match]


async def claimed_by(db, status: OutboxStatus) -> Counter:
    """Outbox rows with ``status`` by the instance that holds ('sending') or sent ('sent') them."""
    async with db.reader() as session:
        return Counter(dict((await session.execute(
            sa.select(OutboxMessage.claimed_by, sa.func.count()).where(OutboxMessage.status == status,
                                                                        OutboxMessage.claimed_by.is_not(None))
            .group_by(OutboxMessage.claimed_by))).all()))


async def chats_held_by(db, instance: str) -> set[int]:
    async with db.reader() as session:
        addresses = (await session.scalars(sa.select(OutboxMessage.address).where(
            OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_by == instance))).all()
    return {int(address.rsplit(":", 1)[1]) for address in addresses}


def of_process(counts: Counter, process: subprocess.Popen) -> int:
    return sum(count for instance, count in counts.items() if f":{process.pid}:" in instance)


async def broadcast_over_instances(db_url: str, db, api: FakeTelegramAPI, *, instances: int, residents: int,
                                   kill_after: int | None = None) -> BroadcastRun:
    """``instances`` processes deliver a broadcast to ``residents``; with ``kill_after``, the one
    holding the most claimed messages is SIGKILLed once that many copies have arrived; returns what
    the Bot API saw once the broadcast is done."""
    await add_residents(db, await demo_quarters(db), residents, address=f"telegram:{BOT_ID}:{{}}")
    await order_for_everybody(db, TEXT)
    child = [sys.executable, "-m", "tests.broadcast_child", db_url, api.base_url, TOKEN, str(HEARTBEAT_TTL)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen(child, cwd=ROOT, env=env, stdout=subprocess.PIPE) for _ in range(instances)]
    killed = killed_at = held = None
    try:
        for process in processes:
            await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 10 * PATIENCE)
        started = time.monotonic()
        if kill_after is not None:
            await eventually(lambda: sum(copies(api, TEXT).values()) >= kill_after, "the broadcast did not start",
                             timeout=2 * PATIENCE, interval=0.02)
            holding = await claimed_by(db, OutboxStatus.SENDING)
            killed = max(range(instances), key=lambda index: of_process(holding, processes[index]))
            processes[killed].send_signal(signal.SIGKILL)  # an instance sending its share, mid-broadcast
            processes[killed].wait()
            killed_at = time.monotonic()
            [victim_id] = [i for i in holding if f":{processes[killed].pid}:" in i] or [""]
            held = await chats_held_by(db, victim_id)
        await eventually(lambda: len(copies(api, TEXT)) >= residents + 1, "not everybody got it",
                         timeout=residents / SLOWEST_RATE + 2 * PATIENCE, interval=0.1)
        await eventually(lambda: broadcast_done(db), "the broadcast was not done", interval=0.1)
        seconds = time.monotonic() - started
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait()
    got = copies(api, TEXT)
    sent = await claimed_by(db, OutboxStatus.SENT)
    sends = [m.at for m in api.bot(TOKEN).sent]
    run = BroadcastRun(residents, set(got), sum(got.values()) - len(got), busiest_window(sends, 1.0),
                       api.bot(TOKEN).too_many_requests, progress_states(api),
                       [of_process(sent, process) for process in processes], seconds=seconds)
    if killed_at is not None and held is not None:
        arrivals = [min((m.at for m in api.bot(TOKEN).sent_to(chat) if m.at > killed_at), default=float("inf"))
                    for chat in held]
        run.takeover, run.killed, run.held_at_kill = max(arrivals, default=killed_at) - killed_at, killed, len(held)
    return run
