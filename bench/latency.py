"""Turn latency residents feel at a steady load: an open loop of 100 updates/s, not "as fast as it goes".

    .venv/bin/python -m bench.latency [--rate 100] [--seconds 60] [--warmup 10] [--db sqlite|postgresql]
                                      [--instances K]

The service runs in this process as `serve` builds it (one process: intake, aiogram Dispatcher, core,
outbox, delivery worker; long polling), on a fresh database. The fake Telegram Bot API and the
residents run in a separate process (bench/_telegram_load.py), which releases one turn of the full
request flow every 1/rate s to a resident not waiting for an answer (bench/_open_loop.py) and times
each turn from its scheduled moment to the answer with buttons at the fake API. A warm-up at the
same rate (other residents) comes first and is not counted.

As in bench/telegram_flow.py the service's per-bot limit is raised (100,000/s: the fake API has
none, and 100 answers/s are more than one real bot may send) and the pacing per chat is off: the
figures are the bot's own latency, not Telegram's limits. The service's own histogram
(``kairyl_turn_seconds`` at /metrics: from an update's arrival to its turn's end) is printed beside.
With --instances K (K > 0) the service is instead K real `main.py serve` processes on the database
in webhook mode (bench/_instances.py, as bench/instances_throughput.py runs them), the updates POSTed
to them in turn; there the service's histogram is not read. The machine's load average is recorded.
Prints figures, writes bench/results/latency.json (latency_<db>_x<K>.json with --instances); asserts
nothing. Goal: p99 < 50 ms.
"""

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bench._common import free_port, fresh_database, write_results
from bench._instances import SECRET, CpuMeter, Instances
from bench._telegram_load import FULL_TOKEN, SubprocessLoad
from main import build_service, run
from settings import Settings

PER_BOT_PER_SECOND = 100_000


async def service_histogram(port: int) -> dict:
    """The service's turn-time histogram from its /metrics: {upper bound (s): turns at most that long}."""
    async with ClientSession() as client, client.get(f"http://127.0.0.1:{port}/metrics") as response:
        text = await response.text()
    buckets = {}
    for family in text_string_to_metric_families(text):
        if family.name == "kairyl_turn_seconds":
            for sample in family.samples:
                if sample.name.endswith("_bucket") and sample.labels.get("channel") == "telegram":
                    buckets[sample.labels["le"]] = sample.value
    return buckets


def from_histogram(buckets: dict, before: dict) -> dict:
    counts = {le: count - before.get(le, 0) for le, count in buckets.items()}
    total = counts.get("+Inf", 0)
    ordered = sorted(((float(le), count) for le, count in counts.items()), key=lambda pair: pair[0])
    p99_bound = next((le for le, count in ordered if total and count >= 0.99 * total), None)
    return {"turns": int(total), "under_50ms_pct": round(100 * counts.get("0.05", 0) / total, 1) if total else None,
            "p99_at_most_s": p99_bound}


async def bench(rate: float, seconds: float, warmup: float, backend: str) -> dict:
    load = SubprocessLoad()
    port = free_port()
    try:
        base_url = await load.start()
        async with fresh_database(backend) as db_url:
            settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=FULL_TOKEN,
                                telegram_api_url=base_url, http_port=port, telegram_per_chat_interval=0.0,
                                telegram_per_bot_per_second=PER_BOT_PER_SECOND)
            service = await asyncio.wait_for(build_service(settings), 120)
            await service.start()
            try:
                warm = await load.open_loop(FULL_TOKEN, rate, warmup, first_chat=500_000) if warmup else None
                before = await service_histogram(port)
                cpu, wall = time.process_time(), time.perf_counter()
                figures = await load.open_loop(FULL_TOKEN, rate, seconds, first_chat=20_000)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                served = from_histogram(await service_histogram(port), before)
            finally:
                await asyncio.wait_for(service.stop(), 30)
    finally:
        await load.stop()
    return {"db": backend, "rate": rate, "seconds": seconds, "warmup_s": warmup, "loaded": figures,
            "warmup": warm, "service_histogram": served, "service_cpu_pct": round(100 * cpu / wall, 1),
            "load_average": os.getloadavg(), "cpus": os.cpu_count()}


async def bench_instances(rate: float, seconds: float, warmup: float, backend: str, count: int) -> dict:
    """The same open loop against ``count`` `serve` processes in webhook mode."""
    load = SubprocessLoad()
    try:
        base_url = await load.start()
        async with fresh_database(backend) as db_url:
            with tempfile.TemporaryDirectory(prefix="kairyl-latency-") as cwd:
                instances = Instances(db_url, FULL_TOKEN, base_url, count)
                try:
                    webhooks = {"targets": await instances.start(Path(cwd)), "secret": SECRET}
                    warm = (await load.open_loop(FULL_TOKEN, rate, warmup, first_chat=500_000, webhooks=webhooks)
                            if warmup else None)
                    meter = CpuMeter(instances.pids)
                    meter.start()
                    wall = time.perf_counter()
                    figures = await load.open_loop(FULL_TOKEN, rate, seconds, first_chat=20_000, webhooks=webhooks)
                    cpu, wall = meter.stop(), time.perf_counter() - wall
                finally:
                    await instances.stop()
    finally:
        await load.stop()
    return {"db": backend, "instances": count, "rate": rate, "seconds": seconds, "warmup_s": warmup,
            "loaded": figures, "warmup": warm, "service_histogram": None, "service_cpu_pct": round(100 * cpu / wall, 1),
            "load_average": os.getloadavg(), "cpus": os.cpu_count()}


def report(result: dict) -> None:
    row, served = result["loaded"], result["service_histogram"]
    where = (f"{result['instances']} serve processes, webhooks in turn" if result.get("instances")
             else "one process")
    print(f"\nOpen loop: {result['rate']:g} updates/s for {result['seconds']:g} s (after {result['warmup_s']:g} s of "
          f"warm-up), full request flow, DB {result['db']}, {where}")
    print(f"turns released {row['released']}, answered {row['answered']}, residents {row['residents']}, "
          f"late releases (no resident free) {row['starved']}, failed residents {row['failed_users']}")
    print(f"resident-felt latency (scheduled moment -> answer at the Bot API): p50 {row['p50_ms']} ms, "
          f"p90 {row['p90_ms']} ms, p99 {row['p99_ms']} ms, max {row['max_ms']} ms; "
          f"{row['under_50ms_pct']}% under 50 ms (goal: p99 < 50 ms)")
    if served:
        print(f"service histogram (arrival -> reply in the outbox): {served['turns']} turns, "
              f"{served['under_50ms_pct']}% within 50 ms, p99 at most {served['p99_at_most_s']} s")
    print(f"service process(es) CPU {result['service_cpu_pct']}% of one core; machine load average "
          f"{', '.join(f'{x:.1f}' for x in result['load_average'])} on {result['cpus']} CPUs")
    for failure in row["failures"]:
        print(f"  a resident failed: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second (default 100)")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds at the same rate first, not counted")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--instances", type=int, default=0,
                        help="K > 0: K `serve` processes in webhook mode instead of the service in this process")
    args = parser.parse_args()
    if args.instances:
        result = run(bench_instances(args.rate, args.seconds, args.warmup, args.db, args.instances))
        name = f"latency_{args.db}_x{args.instances}"
    else:
        result = run(bench(args.rate, args.seconds, args.warmup, args.db))
        name = "latency"
    written = write_results(name, result)
    report(result)
    print(f"figures written to {written}")


if __name__ == "__main__":
    main()
