"""Throughput of the full Telegram flow against a bare aiogram echo bot, on the fake Bot API.

    .venv/bin/python -m bench.telegram_flow [--residents N] [--db sqlite|postgresql] [--profile FILE]
                                            [--same-process | --only-separate]

As in production, the Bot API and the users are elsewhere: the FakeTelegramAPI (127.0.0.1, no
rate limit) and the N simulated residents run in a separate process (bench/_telegram_load.py),
and this process runs only the bot under test: first the real Service (intake -> aiogram
Dispatcher -> core -> outbox -> delivery worker, its per-bot limit raised to 100000/s since
neither the fake server nor the echo bot has one), then a bare aiogram echo bot
(dp.start_polling). Each resident takes 12 turns concurrently; a turn is "push an update, wait
for the bot's answer with buttons", timed in the load process. "CPU ms/upd" is this (the bot's)
process's CPU per update, all threads; "load ms/upd" the load process's. Peak RSS is this
process's. PostgreSQL: KAIRYL_TEST_PG_URL (scripts/pg.sh url); a fresh database is created and
dropped (the server's own CPU is in neither figure).

By default the old arrangement (bot, fake server and residents on one event loop, so the
harness competes with the bot for the loop and the GIL) is then run too, in a fresh process, and
both are printed; --same-process runs only the old one, --only-separate only the new one.
Prints figures and writes them to bench/results/telegram_flow.json; asserts nothing.
"""

import argparse
import asyncio
import cProfile
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bench._telegram_load import (DRIVE_TIMEOUT, ECHO_TOKEN, FULL_TOKEN, REPO, TURNS, InProcessLoad, SubprocessLoad,
                                  die_with_parent, peak_rss_mb)
from bench._common import fresh_database
from main import build_service
from settings import Settings
from storage.enums import IntakeStatus, OutboxStatus
from storage.models import IntakeItem, OutboxMessage, Request

PER_BOT_PER_SECOND = 100_000
RESULTS = Path(__file__).parent / "results" / "telegram_flow.json"
COMPARE_TIMEOUT = 2 * DRIVE_TIMEOUT + 600  # the whole old-mode run in its own process
MODES = {True: "separate_process", False: "same_process"}


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these (running) processes, from /proc."""
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
        if os.environ.get("SHOWCPU"): print("cpu", pid, fields[11], fields[12])
    return total / os.sysconf("SC_CLK_TCK")


async def measured(load, token: str, script: str, n: int, profile: str | None = None,
                   workers: list[int] = ()) -> dict:
    """Drives n users of `script` against the bot of `token`; adds this process's CPU (and that of
    the intake worker processes ``workers``) to the figures."""
    profiler = cProfile.Profile() if profile else None
    workers_cpu = cpu_seconds(workers)
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
        workers_cpu = cpu_seconds(workers) - workers_cpu
    for failure in figures.get("failures", []):
        print(f"  a user failed: {failure}"[:300])
    if profiler:
        figures["profiled"] = True
    figures.update(cpu_s=round(cpu, 2), main_thread_cpu_s=round(main_cpu, 2), intake_workers=len(workers),
                   workers_cpu_s=round(workers_cpu, 2),
                   workers_cpu_ms_per_update=round(workers_cpu / max(figures["updates"], 1) * 1000, 2),
                   cpu_ms_per_update=round(cpu / max(figures["updates"], 1) * 1000, 2),
                   cpu_busy_pct=round(100 * cpu / figures["wall_s"], 1) if figures["wall_s"] else None)
    if not load.separate:  # one process: the load's CPU is included in cpu_s, not apart from it
        for key in ("load_cpu_s", "load_cpu_ms_per_update", "load_peak_rss_mb"):
            figures.pop(key)
    return figures


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
                        telegram_per_bot_per_second=PER_BOT_PER_SECOND, intake_workers=workers)
    service = await asyncio.wait_for(build_service(settings), 60)
    await service.start()
    try:
        figures = await measured(load, FULL_TOKEN, "resident", n, profile,
                                 service.workers.pids() if service.workers else [])
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




async def bench(n: int, backend: str, profile: str | None, separate: bool) -> dict:
    """One mode: the full flow, then the echo bot, in this process; the load beside or inside it."""
    load = SubprocessLoad() if separate else InProcessLoad()
    rss_start = peak_rss_mb()
    try:
        base_url = await load.start()
        async with fresh_database(backend) as db_url:
            full = await asyncio.wait_for(run_full(load, base_url, n, db_url, profile), DRIVE_TIMEOUT + 180)
        rss_full = peak_rss_mb()
        echo = await asyncio.wait_for(run_echo(load, base_url, n), DRIVE_TIMEOUT + 60)
    finally:
        await load.stop()
    return {"mode": MODES[separate], "residents": n, "turns_per_resident": TURNS, "db": backend,
            "full": full, "echo": echo,
            "ratio_full_to_echo": round(full["updates_per_s"] / echo["updates_per_s"], 3)
            if echo["updates_per_s"] else None,
            "peak_rss_mb_after_imports": rss_start, "peak_rss_mb_after_full": rss_full, "peak_rss_mb": peak_rss_mb(),
            "telegram_per_bot_per_second": PER_BOT_PER_SECOND}


def run_old_mode(n: int, backend: str) -> dict | None:
    """The same-process mode in a fresh process (so that its RSS and warm-up are its own)."""
    with tempfile.NamedTemporaryFile(prefix="kairyl-bench-", suffix=".json") as out:
        command = [sys.executable, "-m", "bench.telegram_flow", "--residents", str(n), "--db", backend,
                   "--same-process", "--json", out.name]
        env = {**os.environ, "KAIRYL_BENCH_PARENT": str(os.getpid())}
        print(f"\nnow the old mode, in a fresh process: {' '.join(command[1:-2])}", flush=True)
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL)  # stderr: ours
        try:
            code = proc.wait(COMPARE_TIMEOUT)
        except BaseException:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            raise
        if code != 0:
            print(f"the same-process run failed (exit code {code}); only the separate-process figures follow")
            return None
        return json.loads(Path(out.name).read_text())


def report(result: dict) -> None:
    full, echo, separate = result["full"], result["echo"], result["mode"] == MODES[True]
    where = ("the bot alone in this process; fake Bot API + residents in a separate process" if separate else
             "OLD mode: bot, fake Bot API and residents in one process (CPU and RSS include the harness)")
    print(f"\nTelegram flow, {result['residents']} residents x {TURNS} turns, DB {result['db']}; "
          f"fake Bot API without rate limit, service limit {PER_BOT_PER_SECOND}/s per bot (echo has none)\n{where}")
    print(f"{'':>12} {'updates':>8} {'wall s':>8} {'upd/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'CPU ms/upd':>10} {'load ms/upd':>11} {'failed':>7}")
    for name, row in (("full flow", full), ("aiogram echo", echo)):
        print(f"{name:>12} {row['updates']:>8} {row['wall_s']:>8} {row['updates_per_s']:>8} {row['p50_ms']:>8} "
              f"{row['p99_ms']:>8} {row['max_ms']:>8} {row['cpu_ms_per_update']:>10} "
              f"{row.get('load_cpu_ms_per_update', '-'):>11} {row['failed_users']:>7}")
    print(f"ratio full/echo: {result['ratio_full_to_echo']} (goal >= 0.5)")
    print(f"{'bot' if separate else 'whole'} process CPU busy: full flow {full['cpu_busy_pct']}%, "
          f"echo {echo['cpu_busy_pct']}% of the wall time (100% = one core; the GIL caps useful work near it)")
    if full.get("profiled"):
        print("(cProfile was on during the full flow: its figures include the profiler's overhead)")
    print(f"stored: {full['requests_stored']} requests, {full['distinct_tickets']} distinct tickets "
          f"(expected {result['residents']}); intake done {full['intake_done']}, outbox sent {full['outbox_sent']}, "
          f"not sent {full['outbox_not_sent']}")
    print(f"peak RSS of the {'bot' if separate else 'whole'} process: {result['peak_rss_mb_after_imports']} MB "
          f"after imports, "
          f"{result['peak_rss_mb_after_full']} MB after the full flow, {result['peak_rss_mb']} MB after echo"
          + (f"; load process {echo['load_peak_rss_mb']} MB" if separate else ""))


def compare(new: dict, old: dict) -> None:
    def pair(*keys):
        a, b = old, new
        for key in keys:
            a, b = a[key], b[key]
        return f"{a} -> {b}"

    print("\nold (one process) -> new (bot process alone):")
    for name in ("full", "echo"):
        print(f"  {name:>4}: upd/s {pair(name, 'updates_per_s')}, p50 ms {pair(name, 'p50_ms')}, "
              f"p99 ms {pair(name, 'p99_ms')}, CPU ms/upd {pair(name, 'cpu_ms_per_update')}")
    print(f"  ratio full/echo {pair('ratio_full_to_echo')}, peak RSS MB {pair('peak_rss_mb')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", help="write cProfile stats of the bot process's full-flow phase to this file")
    modes = parser.add_mutually_exclusive_group()
    modes.add_argument("--same-process", action="store_true",
                       help="only the old mode: the fake Bot API and the residents in the bot's process")
    modes.add_argument("--only-separate", action="store_true", help="do not also run the old mode for comparison")
    parser.add_argument("--json", type=Path, default=RESULTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if os.environ.get("KAIRYL_BENCH_PARENT"):  # run by another benchmark process: do not outlive it
        die_with_parent()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = asyncio.run(bench(args.residents, args.db, args.profile, separate=not args.same_process))
    report(result)
    if not args.same_process and not args.only_separate:
        old = run_old_mode(args.residents, args.db)
        if old:
            result["same_process"] = old
            report(old)
            compare(result, old)
    args.json.parent.mkdir(exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
