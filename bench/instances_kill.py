"""Instances killed at many points of a broadcast or of a busy dialog load: loss, order, takeover, duplicates.

    .venv/bin/python -m bench.instances_kill [--load broadcast|dialog] [--points 20] [--instances N]
        [--residents 400] [--chats 40] [--db postgresql|sqlite] [--logs DIR]

``--load broadcast`` (the default): for each of POINTS kill points spread at random over the
broadcast (seeded), INSTANCES delivery processes (tests/broadcast_child.py, one heartbeat each,
time to live 3 s; 2 by default) share a fresh database and the fake Bot API (30 messages a
second per bot, 429 beyond), all sending the bot's messages (its send slots handed out by the
database); the one holding the most claimed messages is SIGKILLed once that many copies have
arrived (tests/instances_world.py, the same scenario as tests/test_instances_delivery.py).
Figures per point and over all: recipients lost, extra copies, how many messages the killed
instance held, seconds from the kill until every one of them had arrived (the takeover), the
busiest one-second window, 429s, each instance's share of the sends, and whether the head's
progress line ever went backwards. Writes bench/results/instances_kill.json.

``--load dialog`` (PostgreSQL): INSTANCES real `main.py serve` processes (3 by default) in webhook
mode behind a round-robin load balancer, started once; at each point CHATS new residents send
the seven-text request dialog in a burst; once the point's number of their updates were handled
(seeded, 5 to 80 % of them) the instance holding most chats is SIGKILLed, the others finish the
load, and the killed one is started again for the next point (tests/webhook_instances_world.py,
the same scenario as tests/test_instances_intake.py). Figures per point and over all: updates
never handled, handled twice, chats whose replies came out of order, replies repeated at the
Bot API, takeover (kill to the last of the victim's updates done), the first reply after the
kill, the busiest one-second window, 429s, the load average.
Writes bench/results/instances_kill_dialog.json. Neither asserts anything.
"""

import argparse
import asyncio
import os
import random
import tempfile
from pathlib import Path

from bench._common import fresh_database, percentile, write_results
from handlers.demo import do_load_demo
from storage.db import Database
from storage.migrate import migrate
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.instances_world import broadcast_over_instances
from tests.running import bot_api_at_30_per_second
from tests.test_broadcast_delivery import HEAD_CHAT, TOKEN
from tests.webhook_instances_world import (
    DIALOG,
    LoadBalancer,
    deployment,
    dialogs_with_a_kill,
    restart,
    where_they_stand,
)


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
            run = await broadcast_over_instances(url, db, api, instances=instances, residents=residents,
                                                 kill_after=kill_after)
        finally:
            await api.stop()
            await db.dispose()
    figures = {"kill_after": kill_after, "lost": len((set(range(residents)) | {HEAD_CHAT}) - run.reached),
               "duplicates": run.duplicates, "held_at_kill": run.held_at_kill,
               "takeover_s": round(run.takeover or 0, 2), "shares": run.shares,
               "busiest_second": run.busiest_second, "too_many_requests": run.too_many_requests,
               "progress_backwards": run.progress != sorted(run.progress)}
    print(figures, flush=True)
    return figures


async def broadcast(points: int, instances: int, residents: int, backend: str) -> None:
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


def rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 2)


COLUMNS = ("point", "kill_after", "chats_held", "stranded", "lost", "handled_twice", "handled_out_of_order",
           "replies_out_of_order", "repeated",
           "takeover_s", "first_reply_s", "busiest_second", "too_many_requests", "load_1m")


async def dialog(points: int, instances: int, chats: int, logs: str | None) -> None:
    rng = random.Random(18)
    updates = chats * len(DIALOG)
    kill_points = sorted(rng.randrange(updates // 20, updates * 4 // 5) for _ in range(points))
    runs = []
    print("  ".join(COLUMNS))
    async with fresh_database("postgresql") as url, bot_api_at_30_per_second(TOKEN) as api:
        db = Database(url)
        try:
            await migrate(db)
            async with db.transaction() as session:
                await do_load_demo(session)
            with tempfile.TemporaryDirectory(prefix="kairyl-kill-") as temporary:
                async with deployment(url, api, instances, Path(logs or temporary)) as started:
                    balancer = LoadBalancer(api.bot(TOKEN), started)
                    for point, after_handled in enumerate(kill_points):
                        first = 100_000 + point * chats
                        run = await dialogs_with_a_kill(db, balancer, list(range(first, first + chats)),
                                                        after_handled=after_handled)
                        figures = {"point": point + 1, "kill_after": after_handled, "chats_held": run.chats_held,
                                   "stranded": run.stranded, "lost": run.dialogs.never_handled,
                                   "handled_twice": run.dialogs.handled_twice,
                                   "handled_out_of_order": len(run.dialogs.handled_out_of_order),
                                   "replies_out_of_order": sum(not ok for ok in run.dialogs.in_order.values()),
                                   "repeated": run.dialogs.repeated, "takeover_s": rounded(run.takeover),
                                   "first_reply_s": rounded(run.first_reply), "busiest_second": run.busiest_second,
                                   "too_many_requests": run.too_many_requests, "load_1m": round(os.getloadavg()[0], 2),
                                   "unanswered": run.dialogs.unanswered}
                        disordered = sorted(set(run.dialogs.handled_out_of_order)
                                            | {chat for chat, ok in run.dialogs.in_order.items() if not ok})
                        if disordered:
                            figures["out_of_order_chats"] = await where_they_stand(db, api.bot(TOKEN), disordered)
                        runs.append(figures)
                        print("  ".join(f"{figures[column]!s:>{len(column)}}" for column in COLUMNS), flush=True)
                        for detail in ("unanswered", "out_of_order_chats"):
                            if figures.get(detail):
                                print(figures[detail], flush=True)
                        if point + 1 < points:
                            await restart(run.victim)
        finally:
            await db.dispose()
    takeovers = [run["takeover_s"] for run in runs if run["takeover_s"] is not None]
    first_replies = [run["first_reply_s"] for run in runs if run["first_reply_s"] is not None]
    summary = {"db": "postgresql", "instances": instances, "chats": chats, "updates_per_point": updates,
               "points": points, "load_1m_mean": round(sum(run["load_1m"] for run in runs) / points, 2),
               "lost": sum(run["lost"] for run in runs), "handled_twice": sum(run["handled_twice"] for run in runs),
               "handled_out_of_order": sum(run["handled_out_of_order"] for run in runs),
               "replies_out_of_order": sum(run["replies_out_of_order"] for run in runs),
               "unanswered_points": sum(bool(run["unanswered"]) for run in runs),
               "repeated_max": max(run["repeated"] for run in runs),
               "repeated_mean": round(sum(run["repeated"] for run in runs) / points, 1),
               "takeover_p50_s": percentile(takeovers, 50), "takeover_max_s": max(takeovers, default=None),
               "takeover_missing": points - len(takeovers),
               "first_reply_p50_s": percentile(first_replies, 50),
               "first_reply_max_s": max(first_replies, default=None),
               "busiest_second_max": max(run["busiest_second"] for run in runs),
               "too_many_requests": sum(run["too_many_requests"] for run in runs), "runs": runs}
    print({key: value for key, value in summary.items() if key != "runs"})
    print("written to", write_results("instances_kill_dialog", summary))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", choices=["broadcast", "dialog"], default="broadcast")
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--instances", type=int, help="2 for a broadcast, 3 for a dialog load")
    parser.add_argument("--residents", type=int, default=400, help="a broadcast's recipients")
    parser.add_argument("--chats", type=int, default=40, help="residents sending a dialog at each point")
    parser.add_argument("--db", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--logs", help="a dialog load: keep the instances' logs in this folder")
    args = parser.parse_args()
    if args.load == "dialog":
        if args.db != "postgresql":
            parser.error("--load dialog runs several instances, which share a PostgreSQL")
        asyncio.run(dialog(args.points, args.instances or 3, args.chats, args.logs))
    else:
        asyncio.run(broadcast(args.points, args.instances or 2, args.residents, args.db))
