"""Two real `main.py serve` instances on one PostgreSQL in polling mode: the bot is polled by
one of them at a time (a lease held with its heartbeat); when that one is SIGKILLed, the
other takes the bot over within seconds and the resident's conversation goes on."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from storage.enums import OutboxStatus
from storage.models import OutboxMessage, SchedulerLease
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.service_process import healthy
from tests.telegram_user import TelegramUser
from tests.waiting import PATIENCE, eventually

ROOT = Path(__file__).resolve().parent.parent
BOT_ID = int(TOKEN.split(":")[0])
STARTUP = 10 * PATIENCE  # a busy machine: importing aiogram, the core and the catalogs takes a while


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def poller(db) -> str | None:
    async with db.reader() as session:
        return await session.scalar(sa.select(SchedulerLease.holder).where(
            SchedulerLease.name == f"poll:telegram:{BOT_ID}", SchedulerLease.expires_at > sa.func.now()))


async def nothing_unsettled(db) -> bool:
    async with db.reader() as session:
        return not await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING])))


@pytest.mark.parametrize("backend", ["postgresql"])  # several instances share a server; SQLite runs one
async def test_the_surviving_instance_takes_the_bot_over(db_url, db, fake_api, tmp_path):
    ports = [free_port(), free_port()]
    env = {**os.environ, "DATABASE_URL": db_url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake_api.base_url,
           "TELEGRAM_MODE": "polling", "TELEGRAM_PER_CHAT_INTERVAL": "0", "LOAD_DEMO": "false"}
    processes = [subprocess.Popen([sys.executable, str(ROOT / "main.py"), "serve"], cwd=tmp_path,
                                  env={**env, "HTTP_PORT": str(port)}, stderr=subprocess.DEVNULL)
                 for port in ports]
    try:
        for port in ports:
            await eventually(lambda port=port: healthy(port), "an instance did not start", timeout=STARTUP,
                             interval=0.2)
        user = TelegramUser(fake_api.bot(TOKEN), chat_id=6101, language_code="ru")
        assert "Тилди тандаңыз" in (await user.say("/start")).text
        # Its outcome recorded first: a reply sent and not yet recorded would be sent again by the survivor.
        await eventually(lambda: nothing_unsettled(db), "the reply was never recorded as sent", interval=0.1)
        holder = await poller(db)
        victim = next(p for p in processes if f":{p.pid}:" in (holder or ""))
        survivor = next(p for p in processes if p is not victim)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        killed_at = time.monotonic()
        answer = await user.press("Русский")  # waits for the answer, whoever polls now
        takeover = time.monotonic() - killed_at
        assert "Вы согласны?" in answer.text
        assert f":{survivor.pid}:" in (await poller(db) or "")
        print(f"polling takeover: the answer came {takeover:.1f} s after the kill")
        assert takeover <= 10
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(asyncio.to_thread(process.wait) for process in processes))
