"""Throughput of the full Telegram flow against a bare aiogram echo bot, on the fake Bot API.

    .venv/bin/python -m bench.telegram_flow [--residents N] [--db sqlite|postgresql] [--profile FILE]
                                            [--same-process]

As in production, the Bot API and the users are elsewhere: the FakeTelegramAPI (127.0.0.1, no
rate limit) and the N simulated residents run in a separate process (bench/_telegram_load.py),
and this process runs only the bot under test: first the real Service (intake -> aiogram
Dispatcher -> core -> outbox -> delivery worker, its per-bot limit raised to 100000/s since
neither the fake server nor the echo bot has one), then a bare aiogram echo bot
(dp.start_polling). Each resident takes the 9 or 10 turns of the request flow concurrently (echo: 9
messages); a turn is "push an update, wait for the bot's answer with buttons", timed in the load
process. "CPU ms/upd" is this (the bot's) process's CPU per update, all threads; "load ms/upd" the
load process's. Peak RSS is this process's. PostgreSQL: KAIRYL_TEST_PG_URL (scripts/pg.sh url); a fresh
database is created and
dropped (the server's own CPU is in neither figure).

The full flow runs in one instance (INTAKE_WORKERS, the intake worker processes, is gone: more
instances share one PostgreSQL instead; the "workers" columns stay empty).
The event loop is the service's own (main.run: uvloop, the tuned collector), for the echo bot too.
On PostgreSQL the server's CPU during each run is shown as "db ms/upd".
--same-process runs the old arrangement instead (bot, fake server and residents on one event loop,
so the harness competes with the bot for the loop and the GIL).
Prints figures and writes them to bench/results/telegram_flow.json; asserts nothing.
"""

import argparse
import asyncio
import contextlib
import cProfile
import json
import logging
import os
import re
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bench._common import fresh_database
from bench._telegram_load import (
    DRIVE_TIMEOUT,
    ECHO_TOKEN,
    FULL_TOKEN,
    TURNS,
    InProcessLoad,
    SubprocessLoad,
    die_with_parent,
    peak_rss_mb,
)
from main import build_service, run
from settings import Settings
from storage.enums import IntakeStatus, OutboxStatus
from storage.models import IntakeItem, OutboxMessage, Request

PER_BOT_PER_SECOND = 100_000
RESULTS = Path(__file__).parent / "results" / "telegram_flow.json"
MODES = {True: "separate_process", False: "same_process"}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these (running) processes, from /proc."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def database_server_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (scripts/pg.sh runs it here)."""
    pids = []
    for entry in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == "postgres":
                pids.append(int(entry))
    return pids


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")]


async def measured(load, token: str, script: str, n: int, profile: str | None = None,
                   workers: list[int] = (), db_server: list[int] = ()) -> dict:
    """Drives n users of `script` against the bot of `token`; adds this process's CPU (and that of
    the intake worker processes ``workers`` and the database server ``db_server``) to the figures."""
    profiler = cProfile.Profile() if profile else None
    workers_cpu, db_cpu = cpu_seconds(workers), cpu_seconds(db_server)
    cpu, main_cpu = time.process_time(), time.thread_time()
    if profiler:
        profiler.enable()
    try:
        figures = await load.drive(token, script, n)
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        cpu, main_cpu = time.process_time() - cpu, time.thread_time() - main_cpu
        workers_cpu = cpu_seconds(alive(workers)) - workers_cpu
        db_cpu = cpu_seconds(alive(db_server)) - db_cpu
    for failure in figures.get("failures", []):
        print(f"  a user failed: {failure}"[:300])
    if profiler:
        figures["profiled"] = True
    figures.update(cpu_s=round(cpu, 2), main_thread_cpu_s=round(main_cpu, 2), intake_workers=len(workers),
                   workers_cpu_s=round(workers_cpu, 2),
                   workers_cpu_ms_per_update=round(workers_cpu / max(figures["updates"], 1) * 1000, 2),
                   db_cpu_ms_per_update=round(db_cpu / max(figures["updates"], 1) * 1000, 2) if db_server else None,
                   cpu_ms_per_update=round(cpu / max(figures["updates"], 1) * 1000, 2),
                   cpu_busy_pct=round(100 * cpu / figures["wall_s"], 1) if figures["wall_s"] else None)
    if not load.separate:  # one process: the load's CPU is included in cpu_s, not apart from it
        for key in ("load_cpu_s", "load_cpu_ms_per_update", "load_peak_rss_mb"):
            figures.pop(key)
    return figures


class StatementCounter:
    """Counts the SQL statements an engine sends (an executemany counts once), by verb and table."""

    def __init__(self, engine) -> None:
        self.engine, self.counts = engine, Counter()

    def __enter__(self) -> "StatementCounter":
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement: str, *_args) -> None:
        found = re.match(r"\s*(\w+)(?:.*?\b(?:FROM|INTO|UPDATE)\s+(\w+))?", statement, re.S | re.I)
        verb = found.group(1).upper() if found else "?"
        table = found.group(2) if found and found.group(2) else ""
        self.counts[f"{verb} {table}".strip() if verb != "UPDATE" else f"UPDATE {statement.split()[1]}"] += 1


async def run_echo(load, base_url: str, n: int) -> dict:
    bot = Bot(ECHO_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    dispatcher = Dispatcher()
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes"),
                                                      InlineKeyboardButton(text="Нет", callback_data="no")]])

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?", reply_markup=keyboard)

    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False, polling_timeout=10))
    try:
        return await measured(load, ECHO_TOKEN, "chatter", n)
    finally:
        try:
            await asyncio.wait_for(dispatcher.stop_polling(), 15)
            await asyncio.wait_for(polling, 15)
        finally:
            if not polling.done():
                polling.cancel()
                await asyncio.gather(polling, return_exceptions=True)
            await bot.session.close()


async def run_full(load, base_url: str, n: int, db_url: str, profile: str | None, workers: int = 0) -> dict:
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=FULL_TOKEN,
                        telegram_api_url=base_url, http_port=0, telegram_per_chat_interval=0.0,
                        telegram_per_bot_per_second=PER_BOT_PER_SECOND)
    service = await asyncio.wait_for(build_service(settings), 60)
    await service.start()
    try:
        with StatementCounter(service.db.engine.sync_engine) as statements:
            figures = await measured(load, FULL_TOKEN, "resident", n, profile,
                                     [],
                                     database_server_pids() if service.db.dialect == "postgresql" else [])
        if not workers:  # with workers, the turns' statements are sent by the worker processes
            updates = max(figures["updates"], 1)
            figures["statements_per_update"] = round(sum(statements.counts.values()) / updates, 2)
            figures["statements_per_update_by_kind"] = {
                kind: round(count / updates, 3) for kind, count in statements.counts.most_common()}
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




async def bench(n: int, backend: str, profile: str | None, separate: bool, workers: int) -> dict:
    """The full flow (alone, then with intake workers), then the echo bot; the load beside or inside."""
    load = SubprocessLoad() if separate else InProcessLoad()
    rss_start = peak_rss_mb()
    runs = {}
    try:
        base_url = await load.start()
        for count in dict.fromkeys([0, workers]):
            async with fresh_database(backend) as db_url:
                runs[count] = await asyncio.wait_for(run_full(load, base_url, n, db_url, profile if not count else None,
                                                              count), DRIVE_TIMEOUT + 300)
        rss_full = peak_rss_mb()
        echo = await asyncio.wait_for(run_echo(load, base_url, n), DRIVE_TIMEOUT + 60)
    finally:
        await load.stop()

    def ratio(full: dict) -> float | None:
        return round(full["updates_per_s"] / echo["updates_per_s"], 3) if echo["updates_per_s"] else None

    result = {"mode": MODES[separate], "residents": n, "turns_per_resident": TURNS, "db": backend,
              "full": runs[0], "echo": echo, "ratio_full_to_echo": ratio(runs[0]),
              "peak_rss_mb_after_imports": rss_start, "peak_rss_mb_after_full": rss_full, "peak_rss_mb": peak_rss_mb(),
              "telegram_per_bot_per_second": PER_BOT_PER_SECOND}
    if workers:
        result.update(intake_workers=workers, full_with_workers=runs[workers],
                      ratio_full_with_workers_to_echo=ratio(runs[workers]))
    return result


def report(result: dict) -> None:
    echo, separate = result["echo"], result["mode"] == MODES[True]
    where = ("the bot alone in this process; fake Bot API + residents in a separate process" if separate else
             "OLD mode: bot, fake Bot API and residents in one process (CPU and RSS include the harness)")
    print(f"\nTelegram flow, {result['residents']} residents x {TURNS} turns, DB {result['db']}; "
          f"fake Bot API without rate limit, service limit {PER_BOT_PER_SECOND}/s per bot (echo has none)\n{where}")
    print(f"{'':>20} {'updates':>8} {'wall s':>8} {'upd/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'CPU ms/upd':>10} {'workers':>8} {'db':>6} {'load':>6} {'failed':>7}")
    rows = [("full flow", result["full"])]
    if "full_with_workers" in result:
        rows.append((f"full, {result['intake_workers']} workers", result["full_with_workers"]))
    for name, row in rows + [("aiogram echo", echo)]:
        print(f"{name:>20} {row['updates']:>8} {row['wall_s']:>8} {row['updates_per_s']:>8} {row['p50_ms']:>8} "
              f"{row['p99_ms']:>8} {row['max_ms']:>8} {row['cpu_ms_per_update']:>10} "
              f"{row.get('workers_cpu_ms_per_update') or '-':>8} {row.get('db_cpu_ms_per_update') or '-':>6} "
              f"{row.get('load_cpu_ms_per_update', '-'):>6} {row['failed_users']:>7}")
    print("(ms/upd: CPU per update of this process, of the intake workers, of the PostgreSQL server, of the load)")
    print(f"ratio full/echo: {result['ratio_full_to_echo']}"
          + (f"; with {result['intake_workers']} intake workers: {result['ratio_full_with_workers_to_echo']}"
             if "full_with_workers" in result else "") + " (goal >= 0.5)")
    if result["full"].get("profiled"):
        print("(cProfile was on during the full flow alone: its figures include the profiler's overhead)")
    if "statements_per_update" in result["full"]:
        kinds = result["full"]["statements_per_update_by_kind"]
        print(f"full flow: {result['full']['statements_per_update']} SQL statements per update (intake, turns, "
              f"delivery): " + ", ".join(f"{kind} {count}" for kind, count in list(kinds.items())[:14]))
    for name, row in rows:
        print(f"{name}: stored {row['requests_stored']} requests, {row['distinct_tickets']} distinct tickets "
              f"(expected {result['residents']}); intake done {row['intake_done']}, outbox sent {row['outbox_sent']}, "
              f"not sent {row['outbox_not_sent']}")
    print(f"peak RSS of the {'bot' if separate else 'whole'} process: {result['peak_rss_mb_after_imports']} MB "
          f"after imports, {result['peak_rss_mb_after_full']} MB after the full flow, {result['peak_rss_mb']} MB "
          f"after echo" + (f"; load process {echo['load_peak_rss_mb']} MB" if separate else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", help="write cProfile stats of the bot process's full-flow phase to this file")
    parser.add_argument("--same-process", action="store_true",
                        help="the old mode: the fake Bot API and the residents in the bot's process")
    parser.add_argument("--intake-workers", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.intake_workers:
        parser.error("--intake-workers is gone with INTAKE_WORKERS: more instances share one PostgreSQL")
    if os.environ.get("KAIRYL_BENCH_PARENT"):  # run by another benchmark process: do not outlive it
        die_with_parent()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = run(bench(args.residents, args.db, args.profile, separate=not args.same_process,
                       workers=args.intake_workers))
    report(result)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
