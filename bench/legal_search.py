"""Legal answer search: quality on the labelled set against the demo base, and speed with
10,000 published answers.

    .venv/bin/python -m bench.legal_search [--answers 10000] [--queries 500]

Prints top-1 and top-3 hit rates (overall, Kyrgyz, Russian; goal top-3 >= 0.9), the misses,
then builds a SQLite database with the demo base and --answers published answers made from
its sentences, and measures the index build and the time per query through
``search_answers`` (BM25 plus reading the hits back from the database).
"""

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, datetime

from bench._common import fresh_database, peak_rss_mb, percentile, write_results
from bench.legal_questions import LABELLED
from handlers.legal.demo_base import DEMO_ANSWERS, do_load_demo_answers
from handlers.legal.search import AnswerIndex, document_tokens, search_answers
from storage.db import Database
from storage.enums import AnswerStatus, Language, LegalTopic
from storage.migrate import migrate
from storage.models import LegalAnswer


def demo_documents() -> tuple[list[tuple[int, str]], dict[int, str]]:
    documents, keys = [], {}
    for key, _topic, q_ky, a_ky, q_ru, a_ru in DEMO_ANSWERS:
        for question, answer in ((q_ky, a_ky), (q_ru, a_ru)):
            documents.append((len(documents), document_tokens(question, answer)))
            keys[len(documents) - 1] = key
    return documents, keys


def quality() -> dict:
    documents, keys = demo_documents()
    index = AnswerIndex()
    index.build(documents)
    figures, misses = {}, []
    for language in ("ky", "ru", None):
        rows = [row for row in LABELLED if language is None or row[0] == language]
        top1 = top3 = 0
        for _lang, question, key in rows:
            found = [keys[i] for i, _score in index.ranked(question)]
            top1 += bool(found[:1] == [key])
            top3 += key in found[:3]
            if language is None and key not in found[:3]:
                misses.append((question, key, found[:3]))
        figures[language or "all"] = {"questions": len(rows), "top1": round(top1 / len(rows), 3),
                                      "top3": round(top3 / len(rows), 3)}
    return {"rates": figures, "misses": misses}


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
            await search_answers(session, "отпуск")
            build = time.perf_counter() - started
            timings = []
            for n in range(queries):
                question = LABELLED[n % len(LABELLED)][1]
                started = time.perf_counter()
                await search_answers(session, question)
                timings.append((time.perf_counter() - started) * 1000)
        await db.dispose()
    return {"answers": answers, "index_build_s": round(build, 2), "queries": queries,
            "ms_per_query_mean": round(statistics.mean(timings), 2), "ms_p50": round(percentile(timings, 50), 2),
            "ms_p95": round(percentile(timings, 95), 2), "peak_rss_mb": round(peak_rss_mb())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--answers", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    found = quality()
    for name, rates in found["rates"].items():
        print(f"{name:>4}: {rates['questions']} questions, top-1 {rates['top1']:.3f}, top-3 {rates['top3']:.3f}")
    for question, key, got in found["misses"]:
        print(f"  miss: {question!r} wants {key}, got {got}")
    timing = asyncio.run(speed(args.answers, args.queries))
    print(f"{timing['answers']} published answers: index built in {timing['index_build_s']} s; "
          f"{timing['ms_per_query_mean']} ms per query (p50 {timing['ms_p50']}, p95 {timing['ms_p95']}); "
          f"peak RSS {timing['peak_rss_mb']} MB")
    path = write_results("legal_search", {"quality": found["rates"], "misses": len(found["misses"]), "speed": timing})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
