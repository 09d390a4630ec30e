"""Setting up a municipality: places, departments, categories, routes, staff roles, holidays.

Used by the admin command line and by the demo loader; every function writes in the
caller's unit of work and returns what it created.
"""

from collections.abc import Mapping
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import Capabilities, bot_of
from handlers.errors import ConfigurationError, InvalidInput, NotFound
from handlers.services import codes
from handlers.services.deadlines import DeadlineRule
from storage.enums import Channel, CodePurpose, DepartmentKind, Language, Role
from storage.models import (
    Category,
    CategoryRoute,
    ChannelIdentity,
    Department,
    Holiday,
    Municipality,
    Person,
    Quarter,
    RoleGrant,
    Village,
)
from storage.types import utcnow

PHONE_PREFIX = "+996"


def normalize_phone(phone: str) -> str:
    """``0555 12-34-56`` or ``996555123456`` → ``+996555123456``; refuses anything else."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("996") and len(digits) == 12:
        return "+" + digits
    if digits.startswith("0") and len(digits) == 10:
        return PHONE_PREFIX + digits[1:]
    if len(digits) == 9:
        return PHONE_PREFIX + digits
    raise InvalidInput(f"not a Kyrgyz phone number (+996 and 9 digits): {phone!r}")


NAME_LIMIT = 200


def _check_names(name_ky: str, name_ru: str) -> None:
    for name in (name_ky, name_ru):
        if not name.strip():
            raise InvalidInput("a name in Kyrgyz and one in Russian are both needed")
        if len(name) > NAME_LIMIT:
            raise InvalidInput(f"a name is at most {NAME_LIMIT} characters")


def _check_code(code: str, what: str) -> None:
    if not code or not all(ch.isascii() and (ch.isalnum() or ch in "_-") for ch in code) or len(code) > 40:
        raise InvalidInput(f"a {what} code is up to 40 Latin letters, digits, '_' or '-', e.g. water")


async def _refuse_same_name(session: AsyncSession, model, within, name_ky: str, name_ru: str, what: str) -> None:
    """Compared in Python: SQLite's lower() leaves Cyrillic letters as they are."""
    wanted = {name_ky.strip().casefold(), name_ru.strip().casefold()}
    rows = (await session.execute(sa.select(model.id, model.name_ky, model.name_ru).where(within))).all()
    for row_id, ky, ru in rows:
        if {ky.strip().casefold(), ru.strip().casefold()} & wanted:
            raise InvalidInput(f"{what} with this name (id {row_id})")


async def municipality_by_code(session: AsyncSession, code: str) -> Municipality:
    found = (await session.execute(
        sa.select(Municipality).where(Municipality.code == code.upper()))).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no municipality with code {code!r}")
    return found


async def do_create_municipality(session: AsyncSession, code: str, name_ky: str, name_ru: str, *,
                                 center: tuple[float, float] | None = None, radius_km: float | None = None,
                                 name_ru_genitive: str | None = None,
                                 deadline_rule: str | None = None) -> Municipality:
    code = code.strip().upper()
    if not code.isalnum() or not code.isascii() or not 2 <= len(code) <= 8:
        raise InvalidInput("a municipality code is 2 to 8 letters or digits, e.g. ALM")
    if await session.scalar(sa.select(Municipality.id).where(Municipality.code == code)) is not None:
        raise InvalidInput(f"a municipality with code {code} already exists")
    _check_names(name_ky, name_ru)
    if len(name_ru_genitive or "") > NAME_LIMIT:
        raise InvalidInput(f"a name is at most {NAME_LIMIT} characters")
    if center is not None and not (-90 <= center[0] <= 90 and -180 <= center[1] <= 180):
        raise InvalidInput("the centre is a latitude (-90…90) and a longitude (-180…180)")
    if radius_km is not None and not 0 < radius_km <= 500:
        raise InvalidInput("the radius is more than 0 and at most 500 km")
    if deadline_rule is not None:
        try:
            deadline_rule = str(DeadlineRule.parse(deadline_rule))
        except ConfigurationError as error:
            raise InvalidInput(str(error)) from None
    municipality = Municipality(code=code, name_ky=name_ky.strip(), name_ru=name_ru.strip(), radius_km=radius_km,
                                name_ru_genitive=" ".join((name_ru_genitive or "").split()) or None,
                                deadline_rule=deadline_rule,
                                center_lat=center[0] if center else None, center_lon=center[1] if center else None)
    session.add(municipality)
    await session.flush()
    return municipality


async def do_add_village(session: AsyncSession, municipality: Municipality, name_ky: str, name_ru: str,
                         sort: int = 0) -> Village:
    _check_names(name_ky, name_ru)
    await _refuse_same_name(session, Village, Village.municipality_id == municipality.id, name_ky, name_ru,
                            f"{municipality.code} already has a village")
    village = Village(municipality_id=municipality.id, name_ky=name_ky, name_ru=name_ru, sort=sort)
    session.add(village)
    await session.flush()
    return village


async def do_add_quarter(session: AsyncSession, village: Village, name_ky: str, name_ru: str, sort: int = 0) -> Quarter:
    _check_names(name_ky, name_ru)
    await _refuse_same_name(session, Quarter, Quarter.village_id == village.id, name_ky, name_ru,
                            f"the village {village.name_ru} already has a quarter")
    quarter = Quarter(municipality_id=village.municipality_id, village_id=village.id,
                      name_ky=name_ky, name_ru=name_ru, sort=sort)
    session.add(quarter)
    await session.flush()
    return quarter


async def do_add_department(session: AsyncSession, municipality: Municipality, code: str, kind: DepartmentKind,
                            name_ky: str, name_ru: str) -> Department:
    _check_names(name_ky, name_ru)
    _check_code(code, "department")
    if await session.scalar(sa.select(Department.id).where(Department.municipality_id == municipality.id,
                                                           Department.code == code)) is not None:
        raise InvalidInput(f"{municipality.code} already has a department {code!r}")
    department = Department(municipality_id=municipality.id, code=code, kind=kind, name_ky=name_ky, name_ru=name_ru)
    session.add(department)
    await session.flush()
    return department


async def do_link_staff_chat(session: AsyncSession, department: Department, address: str | None,
                             language: Language, capabilities: Mapping[Channel, Capabilities]) -> None:
    """Links (or with None unlinks) the department's staff group, e.g. ``telegram:<bot>:<chat id>``:
    a group chat of a channel that has them, addressed through its bot (``<channel>:<bot>:<-id>``)."""
    if address is not None:
        name, chat = address.partition(":")[0], address.rpartition(":")[2]
        channel = next((c for c in capabilities if c.value == name), None)
        if (channel is None or not capabilities[channel].group_chats or bot_of(address) is None
                or not chat.lstrip("-").isdigit() or not chat.startswith("-")):
            raise InvalidInput("a staff chat is a Telegram group: telegram:<bot id>:<negative chat id>")
    department.staff_chat, department.staff_chat_language = address, language


async def do_link_staff_group(session: AsyncSession, department: Department, code: str, language: Language,
                              capabilities: Mapping[Channel, Capabilities], now: datetime) -> str:
    """Links the group whose code the bot posted there (``StaffChat.introduce``); returns its address."""
    used = await codes.do_use_code(session, CodePurpose.STAFF_GROUP, code, now, used_by=f"department:{department.id}")
    if used is None or used.chat_address is None:
        raise InvalidInput("no group has this code, or it was used or has expired")
    await do_link_staff_chat(session, department, used.chat_address, language, capabilities)
    return used.chat_address


async def do_add_category(session: AsyncSession, municipality: Municipality, code: str, name_ky: str, name_ru: str,
                          department: Department | None, sort: int = 0) -> Category:
    _check_names(name_ky, name_ru)
    _check_code(code, "category")
    if await session.scalar(sa.select(Category.id).where(Category.municipality_id == municipality.id,
                                                         Category.code == code)) is not None:
        raise InvalidInput(f"{municipality.code} already has a category {code!r}")
    if department is not None and department.municipality_id != municipality.id:
        raise InvalidInput("the department belongs to another municipality")
    category = Category(municipality_id=municipality.id, code=code, name_ky=name_ky, name_ru=name_ru, sort=sort,
                        department_id=department.id if department else None)
    session.add(category)
    await session.flush()
    return category


async def do_add_route(session: AsyncSession, category: Category, quarter: Quarter,
                       department: Department) -> CategoryRoute:
    if not category.municipality_id == quarter.municipality_id == department.municipality_id:
        raise InvalidInput("a route must stay within one municipality")
    if await session.scalar(sa.select(CategoryRoute.id).where(CategoryRoute.category_id == category.id,
                                                              CategoryRoute.quarter_id == quarter.id)) is not None:
        raise InvalidInput(f"the category {category.code} already has a route in quarter {quarter.id}")
    route = CategoryRoute(category_id=category.id, quarter_id=quarter.id, department_id=department.id)
    session.add(route)
    await session.flush()
    return route


async def do_add_holiday(session: AsyncSession, day: date, name_ky: str, name_ru: str) -> Holiday:
    _check_names(name_ky, name_ru)
    if await session.scalar(sa.select(Holiday.id).where(Holiday.day == day)) is not None:
        raise InvalidInput(f"{day.isoformat()} is already a holiday")
    holiday = Holiday(day=day, name_ky=name_ky, name_ru=name_ru)
    session.add(holiday)
    await session.flush()
    return holiday


async def do_find_or_add_person(session: AsyncSession, *, phone: str | None = None, address: str | None = None,
                                name: str | None = None, language: Language = Language.KY) -> Person:
    """A staff member set up by an administrator, found by phone or by a channel address."""
    if phone is None and address is None:
        raise InvalidInput("give a phone number or a channel address")
    person = None
    if phone is not None:
        phone = normalize_phone(phone)
        person = (await session.execute(sa.select(Person).where(Person.phone == phone))).scalar_one_or_none()
    identity = None
    if address is not None:
        identity = (await session.execute(
            sa.select(ChannelIdentity).where(ChannelIdentity.address == address))).scalar_one_or_none()
        if identity is not None and identity.person_id is not None:
            person = await session.get(Person, identity.person_id)
    if person is None:
        person = Person(language=language, display_name=name, phone=phone, created_at=utcnow())
        session.add(person)
        await session.flush()
    if address is not None and identity is None:
        channel = Channel(address.split(":", 1)[0])
        session.add(ChannelIdentity(address=address, channel=channel, person_id=person.id, created_at=utcnow()))
    elif identity is not None and identity.person_id is None:
        identity.person_id = person.id
    await session.flush()
    return person


async def do_grant_role(session: AsyncSession, person: Person, municipality: Municipality, role: Role, *,
                        department: Department | None = None, quarter: Quarter | None = None) -> RoleGrant:
    if role == Role.DEPARTMENT_STAFF and department is None:
        raise InvalidInput("department staff need a department")
    if role == Role.KVARTALKOM and quarter is None:
        raise InvalidInput("a kvartalkom head needs a quarter")
    for row in (department, quarter):
        if row is not None and row.municipality_id != municipality.id:
            raise InvalidInput("the department or quarter belongs to another municipality")
    same = await session.scalar(sa.select(RoleGrant.id).where(
        RoleGrant.person_id == person.id, RoleGrant.municipality_id == municipality.id, RoleGrant.role == role,
        RoleGrant.department_id.is_(None) if department is None else RoleGrant.department_id == department.id,
        RoleGrant.quarter_id.is_(None) if quarter is None else RoleGrant.quarter_id == quarter.id))
    if same is not None:
        raise InvalidInput(f"person {person.id} already has this role in {municipality.code}")
    grant = RoleGrant(person_id=person.id, municipality_id=municipality.id, role=role,
                      department_id=department.id if department else None, quarter_id=quarter.id if quarter else None)
    session.add(grant)
    await session.flush()
    return grant
