"""Delivery instances killed at many points of a broadcast: loss, order, takeover, duplicates.

    .venv/bin/python -m bench.instances_kill [--points 20] [--instances 2] [--residents 400] [--db postgresql|sqlite]

For each of POINTS kill points spread at random over the broadcast (seeded), INSTANCES
delivery processes (tests/broadcast_child.py, one heartbeat each, time to live 3 s) share a
fresh database and the fake Bot API (30 messages a second per bot, 429 beyond); the one
holding the bot's lane is SIGKILLed once that many copies have arrived
(tests/instances_world.py, the same scenario as tests/test_instances_delivery.py).
Figures per point and over all: recipients lost, extra copies, seconds from the kill to the
next message at the API, the busiest one-second window, 429s, and whether the head's
progress line ever went backwards. Writes bench/results/instances_kill.json; asserts nothing.
"""

import argparse
import asyncio
import random

from bench._common import fresh_database, percentile, write_results
from handlers.demo import do_load_demo
from storage.db import Database
from storage.migrate import migrate
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.instances_world import broadcast_with_a_kill
from tests.test_broadcast_delivery import HEAD_CHAT, TOKEN


async def one_point(backend: str, instances: int, residents: int, kill_after: int) -> dict:
    async with fresh_database(backend) as url:
        db = Database(url)
        api = FakeTelegramAPI(rate_limit_per_second=30)
        await api.start()
        api.add_bot(TOKEN)
        try:
            await migrate(db)
            async with db.transaction() as session:
                await do_load_demo(session)
            run = await broadcast_with_a_kill(url, db, api, instances=instances, residents=residents,
                                              kill_after=kill_after)
        finally:
            await api.stop()
            await db.dispose()
    figures = {"kill_after": kill_after, "lost": len((set(range(residents)) | {HEAD_CHAT}) - run.reached),
               "duplicates": run.duplicates, "takeover_s": round(run.takeover, 2),
               "busiest_second": run.busiest_second, "too_many_requests": run.too_many_requests,
               "progress_backwards": run.progress != sorted(run.progress)}
    print(figures, flush=True)
    return figures


async def main(points: int, instances: int, residents: int, backend: str) -> None:
    rng = random.Random(18)
    kill_points = sorted(rng.randrange(20, residents - 20) for _ in range(points))
    runs = [await one_point(backend, instances, residents, kill_after) for kill_after in kill_points]
    takeovers = [run["takeover_s"] for run in runs]
    summary = {"db": backend, "instances": instances, "residents": residents, "points": points,
               "lost": sum(run["lost"] for run in runs), "duplicates_max": max(run["duplicates"] for run in runs),
               "duplicates_mean": round(sum(run["duplicates"] for run in runs) / points, 1),
               "takeover_p50_s": percentile(takeovers, 50), "takeover_max_s": max(takeovers),
               "busiest_second_max": max(run["busiest_second"] for run in runs),
               "too_many_requests": sum(run["too_many_requests"] for run in runs),
               "progress_backwards": sum(run["progress_backwards"] for run in runs), "runs": runs}
    print({key: value for key, value in summary.items() if key != "runs"})
    print("written to", write_results("instances_kill", summary))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--residents", type=int, default=400)
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    asyncio.run(main(args.points, args.instances, args.residents, args.db))
