"""Throughput of the full Telegram flow against a bare aiogram echo bot, on the fake Bot API.

    .venv/bin/python -m bench.telegram_flow [--residents N] [--db sqlite|postgresql] [--profile FILE]

Both bots long-poll the same FakeTelegramAPI (127.0.0.1, no rate limit). N simulated
residents each take 12 turns concurrently; a turn is "push an update, wait for the bot's
answer with buttons" (tests/telegram_user.py). The full flow is the real Service
(intake → aiogram Dispatcher → core → outbox → delivery worker) with its per-bot limit
raised to 100000/s, since neither the fake server nor the echo bot has one. PostgreSQL:
KAIRYL_TEST_PG_URL (scripts/pg.sh url); a fresh database is created and dropped.
"CPU ms/upd" is this whole process's CPU (service, fake server and simulated users) per update.
Prints figures and writes them to bench/results/telegram_flow.json; asserts nothing.
"""

import argparse
import asyncio
import cProfile
import json
import logging
import os
import resource
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.engine import make_url

from main import build_service
from settings import Settings
from storage.enums import IntakeStatus, OutboxStatus
from storage.models import IntakeItem, OutboxMessage, Request
from tests.conftest import _pg_admin
from tests.fakes.telegram_api import FakeBot, FakeTelegramAPI
from tests.telegram_user import TelegramUser

FULL_TOKEN, ECHO_TOKEN = "123456:BENCH-kairyl", "654321:BENCH-echo"
TURNS, TURN_TIMEOUT, PER_BOT_PER_SECOND = 12, 60.0, 100_000
RESULTS = Path(__file__).parent / "results" / "telegram_flow.json"


def watch(bot: FakeBot) -> dict[int, asyncio.Event]:
    """Per-chat events set whenever the fake server records a message to that chat (no polling)."""
    events: dict[int, asyncio.Event] = {}
    record = bot._record

    def recording(method, chat_id, params, result) -> None:
        record(method, chat_id, params, result)
        if chat_id in events:
            events[chat_id].set()

    bot._record = recording
    return events


class TimedUser(TelegramUser):
    """A TelegramUser that waits on an event instead of sleeping and notes each turn's latency."""

    def __init__(self, bot: FakeBot, chat_id: int, events: dict[int, asyncio.Event], latencies: list[float]):
        super().__init__(bot, chat_id)
        self.event = events.setdefault(chat_id, asyncio.Event())
        self.latencies = latencies

    async def _answer_to(self, update: dict, timeout: float = TURN_TIMEOUT):
        before = len(self.bot.sent_to(self.chat_id))
        started = time.perf_counter()
        self.bot.push_update(update)
        async with asyncio.timeout(timeout):
            while True:
                sent = self.bot.sent_to(self.chat_id)
                if len(sent) > before and sent[-1].reply_markup:
                    self.latencies.append(time.perf_counter() - started)
                    return sent[-1]
                self.event.clear()
                await self.event.wait()


async def resident(user: TimedUser) -> None:
    """The full request flow: 12 turns, each answered by a question with buttons."""
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Кара-Джигач")
    await user.press(user.buttons()[0]["text"])  # a quarter
    await user.press("Подать обращение")
    await user.press("Питьевая вода")
    await user.say(f"Нет воды третий день (житель {user.chat_id})")
    await user.photo()
    await user.press("Готово")
    await user.location(42.87, 74.60)
    await user.press("Отправить")


async def chatter(user: TimedUser) -> None:
    for turn in range(TURNS):
        await user.say(f"сообщение {turn} от {user.chat_id}")


async def drive(bot: FakeBot, n: int, script) -> dict:
    """Runs n users through `script` at once; returns throughput and latency figures."""
    events, latencies = watch(bot), []
    users = [TimedUser(bot, 10_000 + i, events, latencies) for i in range(n)]
    calls_before = len(bot.calls)
    cpu, main_cpu, started = time.process_time(), time.thread_time(), time.perf_counter()
    outcomes = await asyncio.gather(*(script(u) for u in users), return_exceptions=True)
    wall = time.perf_counter() - started
    cpu, main_cpu = time.process_time() - cpu, time.thread_time() - main_cpu
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    for failure in failures[:3]:
        print(f"  a user failed: {failure!r}"[:300])
    latencies.sort()
    pct = (lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1)
           if latencies else None)
    return {"updates": len(latencies), "wall_s": round(wall, 3), "updates_per_s": round(len(latencies) / wall, 1),
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0), "failed_users": len(failures),
            "api_calls": len(bot.calls) - calls_before, "cpu_s": round(cpu, 2), "main_thread_cpu_s": round(main_cpu, 2),
            "cpu_ms_per_update": round(cpu / max(len(latencies), 1) * 1000, 2)}


async def run_echo(api: FakeTelegramAPI, n: int) -> dict:
    bot = Bot(ECHO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api.base_url)))
    dispatcher = Dispatcher()
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes"),
                                                      InlineKeyboardButton(text="Нет", callback_data="no")]])

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?", reply_markup=keyboard)

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=10))
    try:
        return await drive(api.bot(ECHO_TOKEN), n, chatter)
    finally:
        await asyncio.wait_for(dispatcher.stop_polling(), 15)
        await asyncio.wait_for(polling, 15)


async def run_full(api: FakeTelegramAPI, n: int, db_url: str, profile: str | None) -> dict:
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=FULL_TOKEN,
                        telegram_api_url=api.base_url, http_port=0, telegram_per_chat_interval=0.0,
                        telegram_per_bot_per_second=PER_BOT_PER_SECOND)
    service = await asyncio.wait_for(build_service(settings), 60)
    await service.start()
    profiler = cProfile.Profile() if profile else None
    try:
        if profiler:
            profiler.enable()
        figures = await drive(api.bot(FULL_TOKEN), n, resident)
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        unsent = sa.select(sa.func.count()).where(OutboxMessage.status != OutboxStatus.SENT)
        for _ in range(50):  # the worker records its last sends just after the fake server saw them
            async with service.db.reader() as session:
                if not await session.scalar(unsent):
                    break
            await asyncio.sleep(0.1)
        async with service.db.reader() as session:
            requests, tickets = (await session.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(Request.ticket))))).one()
            intake = dict((await session.execute(
                sa.select(IntakeItem.status, sa.func.count()).group_by(IntakeItem.status))).all())
            outbox = dict((await session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status))).all())
        figures.update(requests_stored=requests, distinct_tickets=tickets,
                       intake_done=intake.get(IntakeStatus.DONE, 0), outbox_sent=outbox.get(OutboxStatus.SENT, 0),
                       outbox_not_sent=sum(v for k, v in outbox.items() if k != OutboxStatus.SENT))
        return figures
    finally:
        await asyncio.wait_for(service.stop(), 30)


async def fresh_pg_database() -> tuple[str, str]:
    base = os.environ.get("KAIRYL_TEST_PG_URL")
    if not base:
        raise SystemExit("--db postgresql needs KAIRYL_TEST_PG_URL: scripts/pg.sh start; "
                         "export KAIRYL_TEST_PG_URL=$(scripts/pg.sh url)")
    name = f"kairyl_bench_{uuid.uuid4().hex[:8]}"
    await asyncio.wait_for(_pg_admin(base, f'CREATE DATABASE "{name}"'), 30)
    return base, name


async def bench(n: int, backend: str, profile: str | None) -> dict:
    api = FakeTelegramAPI()  # no rate limit
    await api.start()
    api.add_bot(FULL_TOKEN)
    api.add_bot(ECHO_TOKEN)
    tmp, pg = tempfile.TemporaryDirectory(prefix="kairyl-bench-"), None
    try:
        echo = await asyncio.wait_for(run_echo(api, n), TURN_TIMEOUT * TURNS)
        rss_echo = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if backend == "sqlite":
            db_url = f"sqlite+aiosqlite:///{tmp.name}/kairyl.db"
        else:
            pg = await fresh_pg_database()
            db_url = make_url(pg[0]).set(database=pg[1]).render_as_string(hide_password=False)
        full = await asyncio.wait_for(run_full(api, n, db_url, profile), TURN_TIMEOUT * TURNS + 120)
    finally:
        await api.stop()
        if pg:
            await asyncio.wait_for(_pg_admin(pg[0], f'DROP DATABASE IF EXISTS "{pg[1]}" WITH (FORCE)'), 30)
        tmp.cleanup()
    return {"residents": n, "turns_per_resident": TURNS, "db": backend, "full": full, "echo": echo,
            "ratio_full_to_echo": round(full["updates_per_s"] / echo["updates_per_s"], 3),
            "peak_rss_mb_after_echo": round(rss_echo / 1024, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "telegram_per_bot_per_second": PER_BOT_PER_SECOND}


def report(result: dict) -> None:
    full, echo = result["full"], result["echo"]
    print(f"\nTelegram flow, {result['residents']} residents x {TURNS} turns, DB {result['db']}; "
          f"fake Bot API without rate limit, service limit {PER_BOT_PER_SECOND}/s per bot (echo has none)")
    print(f"{'':>12} {'updates':>8} {'wall s':>8} {'upd/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'CPU ms/upd':>10} {'failed':>7}")
    for name, row in (("full flow", full), ("aiogram echo", echo)):
        print(f"{name:>12} {row['updates']:>8} {row['wall_s']:>8} {row['updates_per_s']:>8} {row['p50_ms']:>8} "
              f"{row['p99_ms']:>8} {row['max_ms']:>8} {row['cpu_ms_per_update']:>10} {row['failed_users']:>7}")
    print(f"ratio full/echo: {result['ratio_full_to_echo']} (goal >= 0.5)")
    print(f"stored: {full['requests_stored']} requests, {full['distinct_tickets']} distinct tickets "
          f"(expected {result['residents']}); intake done {full['intake_done']}, outbox sent {full['outbox_sent']}, "
          f"not sent {full['outbox_not_sent']}")
    print(f"peak RSS: {result['peak_rss_mb_after_echo']} MB after echo, {result['peak_rss_mb']} MB after full flow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", help="write cProfile stats of the full-flow phase to this file")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = asyncio.run(bench(args.residents, args.db, args.profile))
    report(result)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {RESULTS}")


if __name__ == "__main__":
    main()
