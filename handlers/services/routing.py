"""Which department or municipal enterprise answers a request: by category, then quarter."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Category, CategoryRoute


async def responsible_department_id(session: AsyncSession, category: Category, quarter_id: int | None) -> int | None:
    """A quarter-specific route wins over the category's default department."""
    if quarter_id is not None:
        query = sa.select(CategoryRoute.department_id).where(
            CategoryRoute.category_id == category.id, CategoryRoute.quarter_id == quarter_id)
        routed = (await session.execute(query)).scalar_one_or_none()
        if routed is not None:
            return routed
    return category.department_id
