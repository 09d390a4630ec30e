"""The public page (/p/<code>/) on a municipality with many requests: how long drawing it from the
database takes, and how many visits per second the kept page answers (PUBLIC_PAGE_SECONDS).

    .venv/bin/python -m bench.public_page [--requests 100000] [--db sqlite|postgresql]

Prints the figures (and writes them to bench/results/public_page.json)."""

import argparse
import asyncio
import json
import statistics
import time

from bench._backoffice_data import do_load, do_prepare
from bench._common import RESULTS_DIR, fresh_database
from handlers.features import core_config
from public.page import PageCache, PublicPages
from storage.db import Database
from storage.enums import Language


async def measure(backend: str, requests: int) -> dict:
    async with fresh_database(backend) as url:
        db = Database(url)
        try:
            place = await do_prepare(db)
            loaded = await do_load(db, place, requests, progress=lambda _line: None)
            pages = PublicPages(db, core_config(capabilities={}), PageCache(ttl=120))
            draws = []
            for language in (Language.KY, Language.RU, Language.KY, Language.RU, Language.KY):
                started = time.perf_counter()
                await pages.render("ALM", language)
                draws.append(time.perf_counter() - started)
            await pages.cache.get(("ALM", Language.KY), lambda: pages.render("ALM", Language.KY))
            drawn_before = pages.renders[0]
            visits, started = 20000, time.perf_counter()
            for _ in range(visits):
                await pages.cache.get(("ALM", Language.KY), lambda: pages.render("ALM", Language.KY))
            kept = time.perf_counter() - started
            return {"db": backend, "requests": loaded["requests"],
                    "draw_ms_median": round(statistics.median(draws) * 1000),
                    "draw_ms_max": round(max(draws) * 1000), "kept_visits_per_s": round(visits / kept),
                    "database_draws_during_kept_visits": pages.renders[0] - drawn_before}
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    result = asyncio.run(measure(args.db, args.requests))
    print(json.dumps(result, ensure_ascii=False))
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "public_page.json").write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
