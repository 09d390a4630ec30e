"""Backing up and restoring the SQLite database (``main.py backup`` / ``main.py restore``).

- A backup copies the database while the service runs, through SQLite's online backup API in
  one step: one read transaction, so the copy is the database as it was at one moment, with
  every transaction committed before it began (those in the write-ahead log too). The service's
  writers do not wait for it (WAL: readers never block writers). The copy is written beside the
  target, checked with ``PRAGMA integrity_check`` and only then renamed into place.
- A restore refuses while a service runs on the database (``serve`` holds a shared lock on
  ``<database>.lock`` for as long as it runs; the restore takes it exclusively) and refuses to
  replace an existing database unless forced; a replaced database is kept beside it, with its
  ``-wal`` and ``-shm`` files, as ``<database>.replaced-<UTC time>``. The backup is checked
  before anything is touched.
- PostgreSQL is backed up with its own tools (``pg_dump``; see the README).

The scheduler's job store (``<database>.jobs.db``) needs no backup: the service writes its jobs
there again at every start.
"""

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

PG_DUMP_HINT = ("PostgreSQL is backed up with its own tools: pg_dump -Fc -f kairyl.dump <database> while the "
                "service runs, pg_restore -d <empty database> kairyl.dump to restore "
                "(README.md, 'Backup and restore').")


class BackupError(Exception):
    """A backup or a restore that cannot be done; the message says why and what to do."""


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite database URL; None for another database (or SQLite in memory)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _lock_path(database: Path) -> Path:
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def serving_lock(database: Path) -> Iterator[None]:
    """Held (shared) by every `serve` on this database for as long as it runs."""
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(database), "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(f"{database} is being restored; start the service when that is done") from None
        yield


def _check(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        try:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is not a Kairyl database: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{path} is damaged (integrity check: {verdict})")
    if revision is None:
        raise BackupError(f"{path} is not a Kairyl database (no schema revision)")


def _copy(source: Path, target: Path) -> int:
    """Copies ``source`` into a new file beside ``target`` with the backup API, checks it, renames it
    to ``target``; returns its size in bytes."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as origin, \
                contextlib.closing(sqlite3.connect(partial)) as copy:
            origin.backup(copy)  # all pages in one step: one consistent moment
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        _check(partial)
        os.replace(partial, target)
    except sqlite3.Error as error:  # no such folder, no space left, not allowed …
        raise BackupError(f"copying {source} to {target} failed: {error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def do_backup(database: Path, target: Path, *, force: bool = False) -> str:
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; choose another name, or --force to replace it")
    size = _copy(database, target)
    return f"backed up {database} to {target} ({size:,} bytes, integrity ok)"


def do_restore(backup: Path, database: Path, *, force: bool = False) -> str:
    if not backup.exists():
        raise BackupError(f"there is no backup at {backup}")
    _check(backup)
    database.parent.mkdir(parents=True, exist_ok=True)
    with open(_lock_path(database), "a") as lock:
        _take_exclusively(lock, database)
        kept = ""
        if database.exists():
            if not force:
                raise BackupError(f"{database} exists; --force replaces it (it is kept beside it)")
            kept = _set_aside(database)
        size = _copy(backup, database)
    return f"restored {backup} to {database} ({size:,} bytes, integrity ok){kept}"


def _take_exclusively(lock: IO[str], database: Path) -> None:
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise BackupError(f"the service is running on {database}: stop it before restoring") from None


def _set_aside(database: Path) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = database.with_name(f"{database.name}.replaced-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        current = database.with_name(database.name + suffix)
        if current.exists():
            os.replace(current, aside.with_name(aside.name + suffix))
    return f"; the database it replaced is kept as {aside}"
