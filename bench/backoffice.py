"""Response times of the staff desk's request list and dashboard with a million requests.

    .venv/bin/python -m bench.backoffice [--requests N] [--db sqlite|postgresql] [--repeat R]
                                         [--keep FILE.db] [--explain]

Loads the demo municipality (handlers/demo.py) after the migrations, a head and a water
department staff member, 20,000 residents and N requests (default 1,000,000) over three years
(bench/_backoffice_data.py: 8 categories, 15 quarters, 9 departments, mostly resolved, a few
open and overdue, Kyrgyz and Russian descriptions, answers and ratings for part), then times
StaffDesk.list_requests and StaffDesk.dashboard per query shape, as the head and as department
staff: R timed calls per list shape (after 2 untimed ones), fewer for the dashboard; the filter
values rotate between calls. Each call is a whole desk call (its own read transaction).
Goal: p95 < 100 ms for a list page, < 2 s for the dashboard over one month.

SQLite: a file in a temp dir (or --keep FILE.db, reused when it already holds the requests),
no ANALYZE (the service never runs it). PostgreSQL: KAIRYL_TEST_PG_URL (scripts/pg.sh url); a
fresh database is created and dropped; VACUUM ANALYZE after the load, as autovacuum would.
Prints figures and writes them to bench/results/backoffice_<db>.json; asserts nothing.
"""

import argparse
import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench._backoffice_data import NOW, Place, do_load, do_prepare, local_date
from bench._common import fresh_database, peak_rss_mb, percentile, write_results
from bot.channels import CAPABILITIES
from handlers.features import core_config
from handlers.staff.desk import StaffDesk
from handlers.staff.views import RequestFilters
from storage.db import Database
from storage.enums import RequestStatus
from storage.models import Category, Department, Quarter, Request

LIST_GOAL_MS = 100
MONTH_GOAL_MS = 2000
WARM_UP = 2


@dataclass
class Shape:
    name: str
    who: str  # "head" or "staff"
    call: Callable[[StaffDesk, Any, random.Random], Awaitable[Any]]
    goal_ms: float | None
    dashboard: bool = False


def shapes(place: Place) -> list[Shape]:
    today = local_date(NOW)
    categories = [c for c, _ in place.categories.values()]
    months, first = [], today.replace(day=1)
    for _ in range(12):  # the twelve full months before this one
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)

    def month_range(first: date) -> tuple[date, date]:
        following = (first + timedelta(days=32)).replace(day=1)
        return first, following - timedelta(days=1)

    def listing(page=1, make=None, **fixed):
        def call(desk, actor, rng):
            filters = RequestFilters(**fixed, **(make(rng) if make else {}))
            return desk.list_requests(actor, filters, page, 50)
        return call

    def month_filters(rng):
        first, last = month_range(rng.choice(months))
        return {"created_from": first, "created_to": last}

    def text(rng):
        return {"text": rng.choice(["яма", "фонарь", "суу жок", "ленина, 1", "мусор", "чуңкур", "люк"])}

    def ticket(rng):
        year = rng.choice([today.year - 1, today.year])
        return {"text": f"ALM-{year}-{rng.randint(1, 300_000):06d}"}

    def dashboard(span):
        def call(desk, actor, rng):
            if span == "month":
                first, last = month_range(rng.choice(months))
            else:
                last = today - timedelta(days=rng.randint(0, 60))
                first = last - timedelta(days=364)
            return desk.dashboard(actor, first, last)
        return call

    list_shapes = [
        ("first page", dict()),
        ("status in review", dict(status=RequestStatus.IN_REVIEW)),
        ("status resolved", dict(status=RequestStatus.RESOLVED)),
        ("category", dict(make=lambda rng: {"category_id": rng.choice(categories)})),
        ("category+quarter", dict(make=lambda rng: {"category_id": rng.choice(categories),
                                                   "quarter_id": rng.choice(place.quarters)})),
        ("overdue", dict(overdue=True)),
        ("one month", dict(make=month_filters)),
        ("text search", dict(make=text)),
        ("ticket search", dict(make=ticket)),
        ("page 50", dict(page=50)),
    ]
    water = place.categories["water"][0]
    staff_shapes = [(name, spec) for name, spec in list_shapes
                    if name not in ("status resolved", "category", "ticket search")]
    staff_shapes[2] = ("category+quarter", dict(make=lambda rng: {"category_id": water,  # their own category
                                                                  "quarter_id": rng.choice(place.quarters)}))
    result = [Shape(f"list: {name}", who, listing(**spec), LIST_GOAL_MS)
              for who, specs in (("head", list_shapes), ("staff", staff_shapes)) for name, spec in specs]
    result += [Shape("dashboard: month", "head", dashboard("month"), MONTH_GOAL_MS, True),
               Shape("dashboard: month", "staff", dashboard("month"), MONTH_GOAL_MS, True),
               Shape("dashboard: year", "head", dashboard("year"), None, True)]
    return result


async def measure(desk: StaffDesk, actors: dict, shape: Shape, repeat: int, seed: int) -> dict:
    rng = random.Random(seed)
    times, sizes = [], []
    for i in range(WARM_UP + repeat):
        started = time.perf_counter()
        result = await shape.call(desk, actors[shape.who], rng)
        elapsed = (time.perf_counter() - started) * 1000
        if i >= WARM_UP:
            times.append(elapsed)
            sizes.append(result.total)
    figures = {"shape": shape.name, "as": shape.who, "calls": repeat,
               "p50_ms": round(percentile(times, 50), 1), "p95_ms": round(percentile(times, 95), 1),
               "max_ms": round(max(times), 1), "median_total": int(percentile(sizes, 50)), "goal_ms": shape.goal_ms}
    figures["meets_goal"] = None if shape.goal_ms is None else figures["p95_ms"] < shape.goal_ms
    return figures


@asynccontextmanager
async def database(backend: str, keep: Path | None):
    if keep is not None and backend == "sqlite":
        keep.parent.mkdir(parents=True, exist_ok=True)
        yield f"sqlite+aiosqlite:///{keep}"
        return
    async with fresh_database(backend) as url:
        yield url


async def loaded_place(db: Database, n: int) -> tuple[Place, dict]:
    """Loads everything, or (with --keep) finds what an earlier run loaded."""
    try:
        async with db.reader() as session:
            stored = await session.scalar(sa.select(sa.func.count()).select_from(Request))
    except Exception:  # noqa: BLE001 - no schema yet
        stored = 0
    if not stored:
        place = await do_prepare(db)
        return place, await do_load(db, place, n)
    if stored != n:
        raise SystemExit(f"the kept database holds {stored} requests, not {n}")
    from storage.migrate import migrate
    await migrate(db)
    async with db.reader() as session:
        municipality_id = await session.scalar(sa.select(Department.municipality_id).limit(1))
        water = await session.scalar(sa.select(Department.id).where(Department.code == "water"))
        head_id, staff_id = 0, 0
        from storage.models import RoleGrant
        for person_id, role in (await session.execute(sa.select(RoleGrant.person_id, RoleGrant.role))).all():
            head_id, staff_id = (person_id, staff_id) if role == "head" else (head_id, person_id)
        place = Place(municipality_id, head_id, staff_id, water)
        for code, cid, did in await session.execute(sa.select(Category.code, Category.id, Category.department_id)):
            place.categories[code] = (cid, did)
        place.quarters = list((await session.scalars(sa.select(Quarter.id).order_by(Quarter.id))).all())
        place.departments = list((await session.scalars(sa.select(Department.id).order_by(Department.id))).all())
    return place, {"reused": True, "requests": stored}


async def explain(db: Database, desk: StaffDesk, actors: dict, shape: Shape) -> None:
    """Prints the plans of the statements one call of the shape runs."""
    statements = []

    def remember(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append((statement, parameters))

    engine = db.read_engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", remember)
    try:
        await shape.call(desk, actors[shape.who], random.Random(1))
    finally:
        sa.event.remove(engine, "before_cursor_execute", remember)
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    async with db.read_engine.connect() as connection:
        for statement, parameters in statements:
            if "FROM requests" not in statement and "FROM request_events" not in statement:
                continue
            raw = await connection.get_raw_connection()
            cursor = raw.driver_connection
            if db.is_sqlite:
                rows = await (await cursor.execute(prefix + statement, parameters)).fetchall()
                plan = "\n".join(f"    {r[-1]}" for r in rows)
            else:
                rows = await cursor.fetch(prefix + statement, *parameters)
                plan = "\n".join(f"    {r[0]}" for r in rows)
            print(f"  {' '.join(statement.split())[:160]}\n{plan}")


async def bench(n: int, backend: str, repeat: int, keep: Path | None, only: str | None, show_plans: bool) -> dict:
    async with database(backend, keep) as url:
        db = Database(url)
        try:
            started = time.perf_counter()
            place, load = await loaded_place(db, n)
            print(f"{backend}: {load} ({time.perf_counter() - started:.0f} s)", flush=True)
            desk = StaffDesk(db, core_config(capabilities=CAPABILITIES), clock=lambda: NOW)
            actors = {"head": await desk.actor(place.head_id, place.municipality_id, via="bench"),
                      "staff": await desk.actor(place.staff_id, place.municipality_id, via="bench")}
            figures = []
            for number, shape in enumerate(shapes(place)):
                if only and only not in shape.name:
                    continue
                if show_plans:
                    print(f"{shape.name} as {shape.who}:")
                    await explain(db, desk, actors, shape)
                row = await measure(desk, actors, shape, max(3, repeat // 4) if shape.dashboard else repeat, number)
                figures.append(row)
                print_row(row)
        finally:
            await db.dispose()
    return {"db": backend, "requests": n, "repeat": repeat, "load": load, "shapes": figures,
            "peak_rss_mb": peak_rss_mb()}


def print_row(row: dict) -> None:
    verdict = {None: "", True: "ok", False: "MISSES"}[row["meets_goal"]]
    goal = f"< {row['goal_ms']:.0f}" if row["goal_ms"] else "-"
    print(f"  {row['shape']:<24} {row['as']:<6} p50 {row['p50_ms']:>8.1f} ms  p95 {row['p95_ms']:>8.1f} ms  "
          f"max {row['max_ms']:>8.1f} ms  total {row['median_total']:>8}  goal {goal:>7}  {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per list shape (dashboard: a quarter)")
    parser.add_argument("--keep", type=Path, help="SQLite: keep the loaded database in this file and reuse it")
    parser.add_argument("--only", help="only the shapes whose name contains this")
    parser.add_argument("--explain", action="store_true", help="print the query plans of each shape")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = asyncio.run(bench(args.requests, args.db, args.repeat, args.keep, args.only, args.explain))
    path = write_results(f"backoffice_{args.db}", result)
    print(f"figures written to {path}")


if __name__ == "__main__":
    main()
