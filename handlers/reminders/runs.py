"""A job that must run once per period (a digest per local day) claims the period first.

The claim is written in the same unit of work as what the run does: if the run fails,
the claim is rolled back with it and the period can be run again.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.identities import insert_ignore
from storage.db import rowcount
from storage.models import JobRun


async def do_claim_run(session: AsyncSession, job: str, run_key: str, now: datetime) -> bool:
    """True if this unit of work is the first to run ``job`` for ``run_key``.

    Another unit of work claiming the same key at the same moment waits for this one
    (the primary key) and then gets false.
    """
    result = await session.execute(insert_ignore(session, JobRun).values(job=job, run_key=run_key, at=now))
    return rowcount(result) == 1


async def previous_run_at(session: AsyncSession, job: str, before_key: str) -> datetime | None:
    """When the job last ran for a period before ``before_key`` (keys sort like ISO dates)."""
    query = sa.select(sa.func.max(JobRun.at)).where(JobRun.job == job, JobRun.run_key < before_key)
    return (await session.execute(query)).scalar_one_or_none()
