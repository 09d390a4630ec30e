"""Legal answer search: quality on the labelled set (tests/legal_labelled.py) against the demo
base, per language, and speed with 10,000 published answers.

    .venv/bin/python -m bench.legal_search [--answers 10000] [--queries 500] [--verbose]

Quality, through ``search_answers`` as an asker meets it (their language, no topic): precision
of what is shown (share of shown suggestions that answer the question; target >= 0.9), recall
(answerable questions with a right answer in the top 3; >= 0.9), no-answer questions with no
suggestion (>= 0.9), and the asker's language first (share of shown suggestions in the asker's
language, every demo entry having both; 1.0). Speed: a SQLite database with the demo base and
--answers published answers made from its sentences; the index build and the time per query
through ``search_answers`` (the search plus reading the hits back from the database); p95 < 20 ms.
"""

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime

from bench._common import fresh_database, peak_rss_mb, percentile, write_results
from handlers.legal.demo_base import DEMO_ANSWERS, do_load_demo_answers
from handlers.legal.search import search_answers
from storage.db import Database
from storage.enums import AnswerStatus, Language, LegalTopic
from storage.migrate import migrate
from storage.models import LegalAnswer
from tests.legal_labelled import LABELLED
from tests.legal_quality import TARGETS, Figures, evaluate


async def quality() -> dict[str, Figures]:
    async with fresh_database("sqlite") as url:
        db = Database(url)
        await migrate(db)
        async with db.transaction() as session:
            await do_load_demo_answers(session, datetime.now(UTC))
        async with db.reader() as session:
            figures = await evaluate(session)
        await db.dispose()
    return figures


def synthetic(count: int, seed: int = 7) -> list[tuple[LegalTopic, Language, str, str]]:
    """Answers made of the demo base's sentences, shuffled: the vocabulary of real ones."""
    rng = random.Random(seed)
    pool = {Language.KY: [], Language.RU: []}
    for _key, topic, q_ky, a_ky, q_ru, a_ru in DEMO_ANSWERS:
        pool[Language.KY].append((topic, q_ky, a_ky.split(". ")))
        pool[Language.RU].append((topic, q_ru, a_ru.split(". ")))
    made = []
    for n in range(count):
        language = Language.KY if n % 2 else Language.RU
        topic, question, _sentences = rng.choice(pool[language])
        sentences = [s for _t, _q, ss in rng.sample(pool[language], 3) for s in ss]
        words = question.split()
        rng.shuffle(words)
        made.append((topic, language, " ".join(words) + f" №{n}", ". ".join(rng.sample(sentences, 4))))
    return made


async def speed(answers: int, queries: int) -> dict:
    async with fresh_database("sqlite") as url:
        db = Database(url)
        await migrate(db)
        now = datetime.now(UTC)
        async with db.transaction() as session:
            await do_load_demo_answers(session, now)
            session.add_all([LegalAnswer(status=AnswerStatus.PUBLISHED, topic=topic, language=language, question=q,
                                         answer=a, created_at=now, updated_at=now, published_at=now)
                             for topic, language, q, a in synthetic(answers - 2 * len(DEMO_ANSWERS))])
        async with db.reader() as session:
            started = time.perf_counter()
            await search_answers(session, "отпускные")
            build = time.perf_counter() - started
            timings = []
            for n in range(queries):
                language, question, _keys = LABELLED[n % len(LABELLED)]
                started = time.perf_counter()
                await search_answers(session, question, language=Language(language))
                timings.append((time.perf_counter() - started) * 1000)
        await db.dispose()
    return {"answers": answers, "index_build_s": round(build, 2), "queries": queries,
            "ms_per_query_mean": round(statistics.mean(timings), 2), "ms_p50": round(percentile(timings, 50), 2),
            "ms_p95": round(percentile(timings, 95), 2), "peak_rss_mb": round(peak_rss_mb())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--verbose", action="store_true", help="list the wrong suggestions and the misses")
    args = parser.parse_args()
    figures = asyncio.run(quality())
    rates = {language: f.rates() for language, f in figures.items()}
    for language, f in figures.items():
        shown = "; ".join(f"{name} {value:.3f} (target {TARGETS[name]})" for name, value in rates[language].items())
        print(f"{language}: {f.answerable} answerable + {f.unanswerable} with no answer, {f.shown} shown: {shown}")
        for problem in f.problems if args.verbose else ():
            print(f"  {problem}")
    missed = [f"{language} {name}" for language, r in rates.items() for name, value in r.items()
              if value < TARGETS[name]]
    print("all quality targets met" if not missed else f"targets missed: {', '.join(missed)}")
    timing = asyncio.run(speed(args.answers, args.queries))
    print(f"{timing['answers']} published answers: index built in {timing['index_build_s']} s; "
          f"{timing['ms_per_query_mean']} ms per query (p50 {timing['ms_p50']}, p95 {timing['ms_p95']}; "
          f"target p95 < 20); peak RSS {timing['peak_rss_mb']} MB")
    path = write_results("legal_search", {"quality": rates, "speed": timing})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
