"""A municipality's setup read by id and removed: every id is looked up within the municipality
(another municipality's quarter id is not found), and a row still in use is not removed.

Used by the back office's setup pages; the command line adds through handlers/services/setup.py.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from storage.models import (
    Category,
    CategoryRoute,
    ChannelIdentity,
    Department,
    Holiday,
    Person,
    Quarter,
    ReplyTemplate,
    Request,
    RoleGrant,
    StaffAccount,
    Village,
)

Scoped = TypeVar("Scoped", Village, Quarter, Department, Category, ReplyTemplate)


class InUse(InvalidInput):
    """A row that something still refers to: ``reason`` says what (``quarters``, ``requests``…)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"still in use: {reason}")
        self.reason = reason


async def scoped(session: AsyncSession, model: type[Scoped], municipality_id: int, row_id: int | None) -> Scoped:
    """The row of this municipality with this id; NotFound for another municipality's."""
    found = await session.get(model, row_id) if row_id is not None else None
    if found is None or found.municipality_id != municipality_id:
        raise NotFound(f"no {model.__tablename__} {row_id} in municipality {municipality_id}")
    return found


async def _count(session: AsyncSession, column: Any, value: int) -> int:
    return int(await session.scalar(sa.select(sa.func.count()).where(column == value)) or 0)


async def _check_unused(session: AsyncSession, value: int, *uses: tuple[str, Any]) -> None:
    """Raises InUse with the first (reason, column) whose column still holds the value."""
    for reason, column in uses:
        if await _count(session, column, value):
            raise InUse(reason)


async def do_remove_village(session: AsyncSession, municipality_id: int, village_id: int) -> None:
    village = await scoped(session, Village, municipality_id, village_id)
    await _check_unused(session, village.id, ("quarters", Quarter.village_id))
    await session.delete(village)


async def do_remove_quarter(session: AsyncSession, municipality_id: int, quarter_id: int) -> None:
    quarter = await scoped(session, Quarter, municipality_id, quarter_id)
    await _check_unused(session, quarter.id, ("residents", Person.quarter_id), ("requests", Request.quarter_id),
                        ("staff", RoleGrant.quarter_id), ("routes", CategoryRoute.quarter_id))
    await session.delete(quarter)


async def do_remove_department(session: AsyncSession, municipality_id: int, department_id: int) -> None:
    department = await scoped(session, Department, municipality_id, department_id)
    await _check_unused(session, department.id, ("categories", Category.department_id),
                        ("requests", Request.department_id), ("staff", RoleGrant.department_id),
                        ("routes", CategoryRoute.department_id))
    await session.delete(department)


async def do_remove_category(session: AsyncSession, municipality_id: int, category_id: int) -> None:
    """A category with requests is not removed: it can be archived (no longer offered), its requests kept."""
    category = await scoped(session, Category, municipality_id, category_id)
    await _check_unused(session, category.id, ("requests", Request.category_id))
    await session.execute(sa.delete(CategoryRoute).where(CategoryRoute.category_id == category.id))
    await session.delete(category)


async def do_archive_category(session: AsyncSession, municipality_id: int, category_id: int, active: bool) -> None:
    category = await scoped(session, Category, municipality_id, category_id)
    category.active = active


async def routes_by_category(session: AsyncSession, municipality_id: int) -> dict[int, list[CategoryRoute]]:
    """Each category's routes by quarter (a quarter whose requests go to another department)."""
    query = (sa.select(CategoryRoute).join(Category, Category.id == CategoryRoute.category_id)
             .where(Category.municipality_id == municipality_id).order_by(CategoryRoute.id))
    routes: dict[int, list[CategoryRoute]] = {}
    for route in (await session.scalars(query)).all():
        routes.setdefault(route.category_id, []).append(route)
    return routes


async def do_remove_route(session: AsyncSession, municipality_id: int, route_id: int) -> None:
    route = await session.get(CategoryRoute, route_id)
    if route is None:
        raise NotFound(f"no route {route_id}")
    await scoped(session, Category, municipality_id, route.category_id)
    await session.delete(route)


async def upcoming_holidays(session: AsyncSession, today: date) -> list[Holiday]:
    """The public holidays from today on, soonest first (the calendar is the deployment's, shared)."""
    return list((await session.scalars(sa.select(Holiday).where(Holiday.day >= today).order_by(Holiday.day))).all())


async def do_remove_holiday(session: AsyncSession, holiday_id: int, today: date) -> None:
    """A holiday not yet past; a past one stays, since deadlines already counted were computed with it."""
    holiday = await session.get(Holiday, holiday_id)
    if holiday is None or holiday.day < today:
        raise NotFound(f"no upcoming holiday {holiday_id}")
    await session.delete(holiday)


@dataclass(frozen=True)
class StaffRow:
    grant: RoleGrant
    person: Person
    bound: tuple[str, ...]
    """The channels the person is reachable on (``telegram``, ``whatsapp``)."""
    has_login: bool
    """Whether the person has a back-office account."""


@dataclass(frozen=True)
class SetupView:
    """A municipality's setup as its pages show it."""

    villages: list[Village]
    quarters: dict[int, list[Quarter]]
    departments: list[Department]
    categories: list[Category]
    staff: list[StaffRow]


def _of(model, municipality_id: int) -> sa.Select:
    order = (model.sort, model.id) if hasattr(model, "sort") else (model.id,)
    return sa.select(model).where(model.municipality_id == municipality_id).order_by(*order)


async def setup_view(session: AsyncSession, municipality_id: int) -> SetupView:
    villages = list((await session.scalars(_of(Village, municipality_id))).all())
    quarters: dict[int, list[Quarter]] = {village.id: [] for village in villages}
    for quarter in (await session.scalars(_of(Quarter, municipality_id))).all():
        quarters.setdefault(quarter.village_id, []).append(quarter)
    rows = (await session.execute(sa.select(RoleGrant, Person).join(Person, Person.id == RoleGrant.person_id)
                                  .where(RoleGrant.municipality_id == municipality_id)
                                  .order_by(RoleGrant.id))).all()
    channels: dict[int, list[str]] = {}
    if rows:
        found = await session.execute(sa.select(ChannelIdentity.person_id, ChannelIdentity.channel).where(
            ChannelIdentity.person_id.in_({person.id for _grant, person in rows})))
        for person_id, channel in found.all():
            if person_id is not None:
                channels.setdefault(person_id, []).append(channel.value)
    logins = set((await session.scalars(sa.select(StaffAccount.person_id).where(
        StaffAccount.person_id.in_({person.id for _grant, person in rows})))).all()) if rows else set()
    staff = [StaffRow(grant, person, tuple(sorted(set(channels.get(person.id, ())))), person.id in logins)
             for grant, person in rows]
    return SetupView(villages, quarters, list((await session.scalars(_of(Department, municipality_id))).all()),
                     list((await session.scalars(_of(Category, municipality_id))).all()), staff)
