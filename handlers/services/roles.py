"""The roles a person holds, as the menus need them: read once per unit of work.

The main menu shows staff and coordinator entries to those who hold the roles; one read of
the person's grants answers both. Decisions that grant or check a right (sending an
announcement, choosing a coordinator) read the grants themselves, fresh.
"""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.memo import once_per_unit_of_work
from storage.models import RoleGrant


async def read_grants(session: AsyncSession, person_id: int) -> list[RoleGrant]:
    """The person's grants, read now."""
    return list((await session.scalars(sa.select(RoleGrant).where(RoleGrant.person_id == person_id)
                                        .order_by(RoleGrant.id))).all())


grants_of = once_per_unit_of_work(read_grants)
"""The person's grants, read once per unit of work (for the menus)."""
