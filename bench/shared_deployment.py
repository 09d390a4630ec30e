"""A shared deployment on PostgreSQL: 300 municipalities, 300 bots and 1,000,000 residents; the
clerk's request list and the operator's overview, through the real back office (aiohttp app).

    .venv/bin/python -m bench.shared_deployment [--scale 1.0] [--repeat 40] [--explain]

Data (bench/_shared_data.py, deterministic): SCALE x 300 municipalities of uneven size (a few towns,
many villages: sizes fall off as 1/rank^0.8), each with its own Telegram bot, one village, four
quarters, two departments and the eight usual categories; SCALE x 1,000,000 residents, each with a
Telegram identity at their municipality's bot; requests as residents write them (0.6 per resident
over three years, bench/_backoffice_data.py's mix of categories, statuses, answers and ratings, a few
overdue) and a backlog of unsent messages in a few municipalities (an announcement under way).
Bulk-loaded with COPY, then VACUUM ANALYZE (as autovacuum would).

Then the service is built as `serve` builds it (no channel: the back office is what is measured) on
that database, and an HTTP client logged in as a clerk (the head of the largest municipality, then of
a median one) times GET /office/requests (the list's first page, and the open requests filter), and
one logged in as the operator times GET /office/operator (every municipality's backlog and overdue
requests). REPEAT timed calls each, after two untimed ones. Figures: p50, p95, max in ms, the load
average. --explain prints PostgreSQL's plans of the operator's queries. KAIRYL_TEST_PG_URL
(scripts/pg.sh url); a fresh database is created and dropped. Writes
bench/results/shared_deployment.json; asserts nothing. --scale 0.01 is a smoke run (seconds).
"""

import argparse
import os
import time

import sqlalchemy as sa

from bench._common import free_port, fresh_database, percentile, write_results
from bench._shared_data import Deployment, do_load_deployment
from handlers.services.health import municipality_health
from main import build_service
from settings import Settings
from storage.db import Database
from storage.types import utcnow
from tests.backoffice_world import OfficeClient

WARM_UP = 2


async def timed(client: OfficeClient, path: str, repeat: int) -> dict:
    for _ in range(WARM_UP):
        status, _page = await client.get(path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        status, _page = await client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
    return {"p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(max(times), 1), "calls": repeat, "load_average": [round(x, 2) for x in os.getloadavg()]}


async def explain(db: Database) -> None:
    """PostgreSQL's plans of the operator's queries, as the page runs them."""
    async with db.reader() as session:
        statements = []

        def note(_conn, _cursor, statement, parameters, _context, _many) -> None:
            if statement.lstrip().upper().startswith("SELECT") and " GROUP BY " in statement.upper():
                statements.append((statement, parameters))  # the page's two counts, not the scheduler's

        sa.event.listen(db.engine.sync_engine, "before_cursor_execute", note)
        try:
            await municipality_health(session, utcnow())
        finally:
            sa.event.remove(db.engine.sync_engine, "before_cursor_execute", note)
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        for statement, parameters in statements[:2]:
            plan = await raw.fetch("EXPLAIN (ANALYZE, BUFFERS) " + statement, *parameters)
            print("\n".join(row[0] for row in plan), "\n")


async def measure(url: str, deployment: Deployment, repeat: int, show_plans: bool) -> dict:
    settings = Settings(_env_file=None, database_url=url, http_port=free_port(), load_demo=False,
                        log_level="WARNING")
    service = await build_service(settings)
    await service.start()
    figures: dict = {}
    try:
        base = f"http://127.0.0.1:{settings.http_port}/office"
        for who, login in (("largest", deployment.clerks[0]), ("median", deployment.clerks[1])):
            client = OfficeClient(base)
            try:
                status, _page = await client.log_in(login)
                figures[f"clerk_list_{who}"] = await timed(client, "/requests", repeat)
                figures[f"clerk_open_{who}"] = await timed(client, "/requests?status=in_review", repeat)
            finally:
                await client.close()
        client = OfficeClient(base)
        try:
            await client.log_in(deployment.operator)
            figures["operator_overview"] = await timed(client, "/operator", max(5, repeat // 4))
        finally:
            await client.close()
        if show_plans:
            await explain(service.db)
    finally:
        await service.stop()
    return figures


async def bench(scale: float, repeat: int, show_plans: bool) -> dict:
    async with fresh_database("postgresql") as url:
        db = Database(url)
        try:
            deployment, loaded = await do_load_deployment(db, scale)
        finally:
            await db.dispose()
        print(f"loaded: {loaded}", flush=True)
        figures = await measure(url, deployment, repeat, show_plans)
    return {"scale": scale, "loaded": loaded, "figures": figures, "cpus": os.cpu_count()}


def report(result: dict) -> None:
    loaded = result["loaded"]
    print(f"\nShared deployment on PostgreSQL: {loaded['municipalities']} municipalities and bots, "
          f"{loaded['residents']:,} residents, {loaded['requests']:,} requests (largest municipality "
          f"{loaded['largest_requests']:,}), {loaded['backlog']:,} messages waiting; loaded in {loaded['load_s']} s")
    print(f"{'':>22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'calls':>6}  load average")
    for name, row in result["figures"].items():
        print(f"{name:>22} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {row['calls']:>6}  "
              f"{', '.join(str(x) for x in row['load_average'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 300 municipalities, 1,000,000 residents")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--explain", action="store_true", help="print the plans of the operator's queries")
    parser.add_argument("--name", default="shared_deployment", help="results file name (bench/results/NAME.json)")
    args = parser.parse_args()
    from main import run

    result = run(bench(args.scale, args.repeat, args.explain))
    written = write_results(args.name, result)
    report(result)
    print(f"figures written to {written}")


if __name__ == "__main__":
    main()
