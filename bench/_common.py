"""Small helpers shared by the benchmarks: a fresh database, percentiles, peak memory, results."""

import contextlib
import ctypes
import json
import os
import resource
import signal
import socket
import tempfile
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

RESULTS_DIR = Path(__file__).parent / "results"


@asynccontextmanager
async def fresh_database(backend: str):
    """Yields the URL of an empty database (a file in a temp dir, or a new PostgreSQL database
    on the server of KAIRYL_TEST_PG_URL, created and dropped as tests/conftest.py does)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kairyl-bench-") as directory:
            yield f"sqlite+aiosqlite:///{directory}/kairyl.db"
        return
    from tests.conftest import _pg_admin

    base = os.environ.get("KAIRYL_TEST_PG_URL")
    if not base:
        raise SystemExit("--db postgresql needs KAIRYL_TEST_PG_URL (scripts/pg.sh start; scripts/pg.sh url)")
    name = f"kairyl_bench_{uuid.uuid4().hex[:8]}"
    await _pg_admin(base, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def write_results(name: str, figures: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    return path


def die_with_parent(parent_variable: str = "KAIRYL_BENCH_PARENT") -> None:
    """Linux: SIGTERM to this process when its parent dies (PR_SET_PDEATHSIG); a bench's helper process
    never outlives it. The parent's pid in ``parent_variable`` tells if it died before we asked."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    parent = int(os.environ.get(parent_variable, "0") or 0)
    if parent and os.getppid() != parent:
        os._exit(1)
