"""Operator commands of main.py: database migrations and the legal answer base as CSV."""

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from handlers.legal.transfer import do_import_csv, export_csv
from storage.db import Database
from storage.migrate import migrate
from storage.types import utcnow


async def legal_base(open_database: Callable[[], Awaitable[Database]], action: str, path: str) -> int:
    """Exports the published legal answers to a CSV file, or imports one (see handlers/legal/transfer.py)."""
    db = await open_database()
    try:
        if action == "export":
            async with db.reader() as session:
                Path(path).write_text(await export_csv(session), encoding="utf-8")
            return 0
        async with db.transaction() as session:
            report = await do_import_csv(session, Path(path).read_text(encoding="utf-8"), utcnow())
        for error in report.errors:
            print(error, file=sys.stderr)
        print(f"added {report.added}, replaced {report.replaced}, personal data removed {report.anonymised}")
        return 1 if report.errors else 0
    finally:
        await db.dispose()


async def database(url: str, action: str, revision: str) -> None:
    """``upgrade`` or ``downgrade`` the schema to ``revision``."""
    db = Database(url)
    try:
        await migrate(db, revision, downgrade=action == "downgrade")
    finally:
        await db.dispose()
