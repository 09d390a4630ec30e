"""Rows written at the end of a unit of work, one statement per table.

The ORM inserts objects as they are flushed, and a unit of work that runs many turns
flushes before every query, so each turn's log entry and replies would cost statements of
their own. Rows nobody reads back in the same unit of work (the inbound log, the outbox)
are collected here and inserted together, through Core (the ORM's bulk insert costs more CPU than
the statement), in the order they were added: consecutive rows with the same columns share an
executemany.
"""

from collections import defaultdict
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession


class InsertLater:
    def __init__(self) -> None:
        self._rows: dict[type, list[dict[str, Any]]] = defaultdict(list)

    def add(self, model: type, row: dict[str, Any]) -> None:
        self._rows[model].append(row)

    async def do_insert(self, session: AsyncSession) -> None:
        for model, rows in self._rows.items():
            table: sa.Table = sa.inspect(model).local_table
            for _columns, run in groupby(rows, key=columns_of):
                await session.execute(sa.insert(table), list(run))
        self._rows.clear()


def columns_of(row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(row)
