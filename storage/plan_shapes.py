"""SQL written so that PostgreSQL plans it well whatever its statistics say, and prepares it once.

The claim rounds (``bot/intake_claims.py``, ``bot/delivery/worker.py``) are prepared statements whose
generic plan is made once per connection, often while the tables are still small (a new deployment, or
before autovacuum's first ANALYZE); a plan that suits a nearly empty table then stays while the table
grows: tens of milliseconds a round after ten thousand messages. Two shapes keep it cheap at any size.
"""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute


def written_out(value: StrEnum) -> sa.ColumnElement:
    """An enum's value written into the SQL (``'pending'``), not sent as a parameter: a generic plan can
    then use a partial index whose condition names that value (``ix_intake_chat_pending``,
    ``ix_outbox_waiting``); with a parameter it cannot, whatever the value is."""
    return sa.literal_column(f"'{value.value}'")


def no_row(query: sa.Select) -> sa.ColumnElement[bool]:
    """``NOT EXISTS (query)``, written as ``(query LIMIT 1) IS NULL``: PostgreSQL keeps it a probe per
    row (its index searched with the outer row's values), where ``NOT EXISTS`` becomes an anti-join
    that, planned on a small table, read the whole index for every row."""
    return query.limit(1).scalar_subquery().is_(None)


def one_of(column: sa.ColumnElement | QueryableAttribute, name: str, item_type: sa.types.TypeEngine,
           dialect: str) -> sa.ColumnElement[bool]:
    """``column`` is one of the list given as the parameter ``name``: on PostgreSQL ``= ANY(:name)``, one
    prepared statement for any length; ``IN (…)`` is a new one for each length (a parse and a plan, and a
    place in the driver's cache of 100 statements per connection, which a turn's batches of 1 to 32
    overflowed). Elsewhere ``IN (…)``, expanded when it runs."""
    if dialect == "postgresql":
        return column == sa.any_(sa.bindparam(name, type_=ARRAY(item_type)))
    return column.in_(sa.bindparam(name, expanding=True))


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
