"""Throughput of 1, 2 and 3 real `main.py serve` instances on one PostgreSQL, and of one on SQLite,
against the bare aiogram echo bot, side by side in one run; webhook mode, updates sent to the
instances in turn.

    .venv/bin/python -m bench.instances_throughput [--residents 200] [--instances 1,2,3] [--no-sqlite]
                                                   [--baseline DIR] [--rounds 3]

As in production, everything is a process of its own: the fake Telegram Bot API and the simulated
residents (bench/_telegram_load.py: each resident takes the 9 or 10 turns of the full request flow, a
turn being "POST the update to a webhook, wait for the answer with buttons at the fake API"), each
`serve` instance (bench/_instances.py: started as an operator would, TELEGRAM_MODE=webhook, the
per-bot limit raised to 100,000/s and the per-chat pacing off, since the fake API has no limit), the
PostgreSQL server (KAIRYL_TEST_PG_URL, scripts/pg.sh; a fresh database per run) and the echo bot
(bench/_echo_webhook.py: aiogram's webhook handler answering each text with two buttons). The
residents' updates go to the instances' webhook URLs in turn (a round-robin load balancer): any
instance takes any update. The echo bot runs first and last; its figure is the mean of both.
Each deployment is warmed up by a few residents first (not counted).

Figures per run: updates/s, its ratio to the echo bot's, turn latency p50/p99, and CPU per update of
the service processes (each `serve` with its children), of the PostgreSQL server (postmaster and
backends) and of the load process. Goal (issue 18): two instances + PostgreSQL >= 0.5 x echo on a
2-core machine, SQLite in one process >= 0.25. The machine's load average is recorded with each run.
--baseline DIR also runs every deployment from another checkout (e.g. `git archive main | tar -x -C DIR`,
with its catalogs compiled), each right after this checkout's, rows named "baseline_…": before and after
a change, side by side in one run; --rounds K runs each pair K times, the order alternating (the
second of a pair runs on a warmer machine and often shows ~10 % less CPU), and prints the ranges.
Writes bench/results/instances_throughput.json; asserts nothing.
"""

import argparse
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa

from bench._common import fresh_database, write_results
from bench._instances import REPO, SECRET, CpuMeter, EchoBot, Instances, postgres_pids
from bench._telegram_load import ECHO_TOKEN, FULL_TOKEN, TURNS, SubprocessLoad
from storage.db import Database
from storage.models import Request

WARM_UP = 6
"""Residents driven through each deployment before it is measured (not counted)."""


def per_update(seconds: float, updates: int) -> float:
    return round(seconds / max(updates, 1) * 1000, 3)


async def driven(load: SubprocessLoad, token: str, script: str, n: int, targets: list[str], first_chat: int,
                 meters: dict[str, CpuMeter]) -> dict:
    for meter in meters.values():
        meter.start()
    figures = await load.drive(token, script, n, {"targets": targets, "secret": SECRET}, first_chat)
    for name, meter in meters.items():
        figures[f"{name}_cpu_ms_per_update"] = per_update(meter.stop(), figures["updates"])
    figures["cpu_ms_per_update"] = round(sum(figures[f"{name}_cpu_ms_per_update"] for name in meters), 3)
    figures["load_average"] = [round(x, 2) for x in os.getloadavg()]
    for failure in figures.get("failures", []):
        print(f"  a user failed: {failure}"[:300])
    return figures


async def echo_run(load: SubprocessLoad, base_url: str, n: int, first_chat: int) -> dict:
    echo = EchoBot(ECHO_TOKEN, base_url)
    url = await echo.start()
    try:
        return await driven(load, ECHO_TOKEN, "chatter", n, [url], first_chat, {"service": CpuMeter(echo.pids)})
    finally:
        await echo.stop()


async def stored_requests(db_url: str) -> tuple[int, int]:
    db = Database(db_url)
    try:
        async with db.reader() as session:
            return tuple((await session.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(Request.ticket))))).one())
    finally:
        await db.dispose()


async def service_run(load: SubprocessLoad, base_url: str, n: int, backend: str, count: int,
                      first_chat: int, repo: Path = REPO) -> dict:
    async with fresh_database(backend) as db_url:
        with tempfile.TemporaryDirectory(prefix="kairyl-instances-") as cwd:
            instances = Instances(db_url, FULL_TOKEN, base_url, count, repo=repo)
            try:
                targets = await instances.start(Path(cwd))
                await load.drive(FULL_TOKEN, "resident", WARM_UP, {"targets": targets, "secret": SECRET},
                                 first_chat + 90_000)  # each instance's first turns (catalogs, templates)
                meters = {"service": CpuMeter(instances.pids)}
                if backend == "postgresql":
                    meters["db"] = CpuMeter(lambda: postgres_pids(db_url))
                figures = await driven(load, FULL_TOKEN, "resident", n, targets, first_chat, meters)
            finally:
                await instances.stop()
        figures["requests_stored"], figures["distinct_tickets"] = await stored_requests(db_url)
    return figures


async def bench(n: int, counts: list[int], sqlite: bool, baseline: Path | None = None, rounds: int = 1) -> dict:
    load = SubprocessLoad()
    runs: dict[str, dict] = {}
    chats = iter(range(100_000, 10_000_000, 100_000))  # fresh residents for every run
    checkouts = [("", REPO)] + ([("baseline_", baseline)] if baseline else [])
    deployments = [("postgresql", count) for count in counts] + ([("sqlite", 1)] if sqlite else [])
    try:
        base_url = await load.start()
        runs["echo_before"] = await echo_run(load, base_url, n, next(chats))
        for backend, count in deployments:
            for round_ in range(rounds):  # the checkouts' order alternates: the second of a pair runs warmer
                for prefix, repo in checkouts if round_ % 2 == 0 else checkouts[::-1]:
                    name = f"{prefix}{backend}_x{count}" + (f"#{round_ + 1}" if rounds > 1 else "")
                    runs[name] = await service_run(load, base_url, n, backend, count, next(chats), repo)
                    print(f"  {name}: {runs[name]['updates_per_s']} upd/s", flush=True)
        runs["echo_after"] = await echo_run(load, base_url, n, next(chats))
    finally:
        await load.stop()
    echo = (runs["echo_before"]["updates_per_s"] + runs["echo_after"]["updates_per_s"]) / 2
    for row in runs.values():
        row["ratio_to_echo"] = round(row["updates_per_s"] / echo, 3) if echo else None
    return {"residents": n, "turns_per_resident": TURNS, "echo_updates_per_s": round(echo, 1), "cpus": os.cpu_count(),
            "runs": runs}


def report(result: dict) -> None:
    print(f"\nWebhook mode, {result['residents']} residents x 9-10 turns per run (echo: {TURNS}); echo bot "
          f"(mean of first and last run) {result['echo_updates_per_s']} upd/s; {result['cpus']} CPUs")
    print(f"{'':>24} {'upd/s':>8} {'x echo':>7} {'p50 ms':>7} {'p99 ms':>7} {'CPU ms/upd':>10} {'service':>8} "
          f"{'db':>6} {'load':>6} {'failed':>6} {'requests':>9}  load average")
    for name, row in result["runs"].items():
        print(f"{name:>24} {row['updates_per_s']:>8} {row['ratio_to_echo']:>7} {row['p50_ms']!s:>7} "
              f"{row['p99_ms']!s:>7} {row['cpu_ms_per_update']:>10} {row['service_cpu_ms_per_update']:>8} "
              f"{row.get('db_cpu_ms_per_update', '-'):>6} {row['load_cpu_ms_per_update']:>6} "
              f"{row['failed_users']:>6} {row.get('requests_stored', '-'):>9}  "
              f"{', '.join(str(x) for x in row['load_average'])}")
    print("(CPU ms/upd = service processes + PostgreSQL server; load = the fake API and residents, apart; "
          "goal: postgresql_x2 >= 0.5 x echo, sqlite_x1 >= 0.25)")
    ranges = ranges_of(result["runs"])
    if any(len(row["runs"]) > 1 for row in ranges.values()):
        print("\nRanges over the rounds (min-max):")
        for name, row in ranges.items():
            print(f"{name:>24}  x echo {row['ratio_to_echo'][0]}-{row['ratio_to_echo'][1]}  CPU ms/upd "
                  f"{row['cpu_ms_per_update'][0]}-{row['cpu_ms_per_update'][1]}  ({len(row['runs'])} runs)")


def ranges_of(runs: dict[str, dict]) -> dict[str, dict]:
    """Per deployment and checkout, the lowest and highest of its rounds' ratio to echo and CPU per update."""
    grouped: dict[str, list[dict]] = {}
    for name, row in runs.items():
        if not name.startswith("echo_"):
            grouped.setdefault(name.split("#")[0], []).append(row)
    return {name: {"runs": rows,
                   "ratio_to_echo": (min(r["ratio_to_echo"] for r in rows), max(r["ratio_to_echo"] for r in rows)),
                   "cpu_ms_per_update": (min(r["cpu_ms_per_update"] for r in rows),
                                         max(r["cpu_ms_per_update"] for r in rows))}
            for name, rows in grouped.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--instances", default="1,2,3", help="instance counts on PostgreSQL, e.g. 1,2,3")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--baseline", type=Path, help="another checkout to run side by side (rows baseline_…)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of each deployment (with --baseline: pairs, the order alternating)")
    parser.add_argument("--name", default="instances_throughput", help="results file name (bench/results/NAME.json)")
    args = parser.parse_args()
    from main import run

    result = run(bench(args.residents, [int(x) for x in args.instances.split(",") if x], not args.no_sqlite,
                       args.baseline, args.rounds))
    written = write_results(args.name, result)
    report(result)
    print(f"figures written to {written}")


if __name__ == "__main__":
    main()
