"""Delivery instances as separate processes on one database (tests/broadcast_child.py), a
broadcast through the fake Bot API, and the instance sending it SIGKILLed mid-way: what the
multi-instance test asserts and bench/instances_kill.py measures at many kill points."""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from storage.models import SchedulerLease
from tests.broadcast_world import add_residents, demo_quarters
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.test_broadcast_delivery import BOT_ID, HEAD_CHAT, TOKEN, broadcast_done, copies, order_for_everybody, plain
from tests.test_limiter import busiest_window
from tests.waiting import PATIENCE, eventually

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Көчө жабылат / Улицу закроют"
HEARTBEAT_TTL = 3.0


@dataclass
class KillRun:
    residents: int
    reached: set[int]
    duplicates: int
    takeover: float
    """Seconds from the SIGKILL to the next message at the Bot API."""
    busiest_second: int
    too_many_requests: int
    progress: list[int]
    """The "sent N of M" counts of the head's progress line, in the order they arrived."""


async def lane_holder(db) -> str | None:
    async with db.reader() as session:
        return await session.scalar(sa.select(SchedulerLease.holder).where(SchedulerLease.name.like("lane:%")))


def progress_states(api: FakeTelegramAPI) -> list[int]:
    found = [re.search(r"отправлено (\d+) из", plain(m.text or "")) for m in api.bot(TOKEN).sent_to(HEAD_CHAT)]
    return [int(match.group(1)) for match in found if match]


async def broadcast_with_a_kill(db_url: str, db, api: FakeTelegramAPI, *, instances: int, residents: int,
                                kill_after: int) -> KillRun:
    """``instances`` processes deliver a broadcast to ``residents``; the lane holder is killed once
    ``kill_after`` copies have arrived; returns what the Bot API saw once the broadcast is done."""
    await add_residents(db, await demo_quarters(db), residents, address=f"telegram:{BOT_ID}:{{}}")
    await order_for_everybody(db, TEXT)
    child = [sys.executable, "-m", "tests.broadcast_child", db_url, api.base_url, TOKEN, str(HEARTBEAT_TTL)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen(child, cwd=ROOT, env=env, stdout=subprocess.PIPE) for _ in range(instances)]
    try:
        for process in processes:
            await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 10 * PATIENCE)
        await eventually(lambda: sum(copies(api, TEXT).values()) >= kill_after, "the broadcast did not start",
                         timeout=2 * PATIENCE, interval=0.02)
        holder = await lane_holder(db)
        victim = next(p for p in processes if f":{p.pid}:" in (holder or ""))
        victim.send_signal(signal.SIGKILL)  # the instance sending the bot's messages, mid-broadcast
        victim.wait()
        killed_at = time.monotonic()
        await eventually(lambda: len(copies(api, TEXT)) >= residents + 1, "not everybody got it",
                         timeout=residents / 30 + 2 * PATIENCE, interval=0.1)
        await eventually(lambda: broadcast_done(db), "the broadcast was not done", interval=0.1)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait()
    got = copies(api, TEXT)
    sends = [m.at for m in api.bot(TOKEN).sent]
    return KillRun(residents, set(got), sum(got.values()) - len(got),
                   min(at for at in sends if at > killed_at) - killed_at, busiest_window(sends, 1.0),
                   api.bot(TOKEN).too_many_requests, progress_states(api))
