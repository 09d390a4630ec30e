"""Reading a municipality's places, categories and departments.

The lists are read once per unit of work (one turn, or the many turns of a group commit)."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.services.memo import once_per_unit_of_work
from storage.enums import Language
from storage.models import Category, Municipality, Quarter, Village


def place_label(village: str | None, quarter: str | None) -> str:
    """A quarter as people read it, always with its village («1-квартал, Аламүдүн», as the resident's
    address reads): two villages may each have a «1-квартал»."""
    if not quarter:
        return "—"
    return f"{quarter}, {village}" if village else quarter


def quarter_label(quarter: Quarter, village: Village, language: Language) -> str:
    ky = language == Language.KY
    return place_label(village.name_ky if ky else village.name_ru, quarter.name_ky if ky else quarter.name_ru)


async def quarter_choices(session: AsyncSession, municipality_id: int, language: Language) -> list[tuple[int, str]]:
    """The municipality's quarters, village by village, each named with its village."""
    rows = (await session.execute(
        sa.select(Quarter, Village).join(Village, Village.id == Quarter.village_id)
        .where(Quarter.municipality_id == municipality_id)
        .order_by(Village.sort, Village.id, Quarter.sort, Quarter.id))).all()
    return [(quarter.id, quarter_label(quarter, village, language)) for quarter, village in rows]


@once_per_unit_of_work
async def municipalities(session: AsyncSession) -> list[Municipality]:
    return list((await session.scalars(sa.select(Municipality).order_by(Municipality.id))).all())


@once_per_unit_of_work
async def villages(session: AsyncSession, municipality_id: int) -> list[Village]:
    query = sa.select(Village).where(Village.municipality_id == municipality_id).order_by(Village.sort, Village.id)
    return list((await session.scalars(query)).all())


@once_per_unit_of_work
async def quarters(session: AsyncSession, village_id: int) -> list[Quarter]:
    query = sa.select(Quarter).where(Quarter.village_id == village_id).order_by(Quarter.sort, Quarter.id)
    return list((await session.scalars(query)).all())


@once_per_unit_of_work
async def categories(session: AsyncSession, municipality_id: int) -> list[Category]:
    query = (sa.select(Category)
             .where(Category.municipality_id == municipality_id, Category.active.is_(True))
             .order_by(Category.sort, Category.id))
    return list((await session.scalars(query)).all())


async def category_in(session: AsyncSession, municipality_id: int, category_id: int) -> Category | None:
    category = await session.get(Category, category_id)
    if category is None or category.municipality_id != municipality_id or not category.active:
        return None
    return category
