"""Reads done once per unit of work: the same question asked again in the same transaction
(the next turn of a group commit, say) gets the same answer without another query."""

from collections.abc import Awaitable, Callable
from functools import wraps

from sqlalchemy.ext.asyncio import AsyncSession


def once_per_unit_of_work(read: Callable[..., Awaitable[list]]) -> Callable[..., Awaitable[list]]:
    """For reads of rows that a unit of work does not change: places, categories, roles."""
    @wraps(read)
    async def remembered(session: AsyncSession, *key: int) -> list:
        memo = session.info.setdefault("once_per_unit_of_work", {})
        if (read.__qualname__, key) not in memo:
            memo[read.__qualname__, key] = await read(session, *key)
        return list(memo[read.__qualname__, key])

    return remembered
