"""A municipality with staff in every role, a second municipality, and residents who write in.

Used by the desk, staff chat and back office tests: people are created through the same
set-up services the administrator uses, requests through the real conversation core.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.services import setup
from handlers.staff.access import Actor
from handlers.staff.desk import StaffDesk
from storage.db import Database
from storage.enums import DepartmentKind, Language, Role
from storage.models import Department, Municipality, Quarter, Request
from tests.core_config import core_config
from tests.harness import Chat, onboard, submit_request

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # Friday, 10:00 in Bishkek
WATER_CHAT = "telegram:1:-1001"
ROADS_CHAT = "telegram:1:-1002"


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class World:
    db: Database
    clock: Clock
    core: ConversationCore
    desk: StaffDesk
    municipality_id: int
    other_municipality_id: int
    people: dict[str, int] = field(default_factory=dict)
    departments: dict[str, int] = field(default_factory=dict)
    quarters: dict[str, int] = field(default_factory=dict)
    residents: int = 0

    async def actor(self, who: str, *, municipality: str = "ALM", via: str = "test") -> Actor | None:
        municipality_id = self.municipality_id if municipality == "ALM" else self.other_municipality_id
        return await self.desk.actor(self.people[who], municipality_id, via=via)

    async def resident(self, *, language: str = "Русский", quarter: str = "1") -> Chat:
        self.residents += 1
        chat = Chat(self.core, self.db, f"console:resident-{self.residents}")
        await onboard(chat, language=language, quarter=quarter)
        return chat

    async def request_of(self, chat: Chat, description: str = "Нет воды третий день", category: str = "1") -> Request:
        await chat.send("/menu")  # wherever staff actions left the dialog
        ticket = await submit_request(chat, description, category=category)
        async with self.db.reader() as session:
            return (await session.execute(sa.select(Request).where(Request.ticket == ticket))).scalar_one()

    async def reload(self, request_id: int) -> Request:
        async with self.db.reader() as session:
            return await session.get(Request, request_id)


async def build_world(db: Database) -> World:
    clock = Clock()
    config = core_config()
    world = World(db, clock, ConversationCore(db, config, clock=clock), StaffDesk(db, config, clock=clock), 0, 0)
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        world.municipality_id = alm.id
        departments = {d.code: d for d in (await session.scalars(
            sa.select(Department).where(Department.municipality_id == alm.id))).all()}
        departments["water"].staff_chat = WATER_CHAT
        departments["roads"].staff_chat = ROADS_CHAT
        departments["roads"].staff_chat_language = Language.RU
        world.departments = {code: d.id for code, d in departments.items()}
        quarters = (await session.scalars(sa.select(Quarter).where(Quarter.municipality_id == alm.id)
                                          .order_by(Quarter.village_id, Quarter.sort))).all()
        world.quarters = {"q1": quarters[0].id, "q2": quarters[1].id}
        other = await setup.do_create_municipality(session, "TKM", "Токмок шаары", "Город Токмок")
        world.other_municipality_id = other.id
        other_village = await setup.do_add_village(session, other, "Токмок", "Токмок")
        await setup.do_add_quarter(session, other_village, "1-квартал", "Квартал №1")
        other_water = await setup.do_add_department(session, other, "water", DepartmentKind.ENTERPRISE, "Суу", "Вода")
        staff = [
            ("head", Role.HEAD, {}), ("admin", Role.ADMIN, {}),
            ("water", Role.DEPARTMENT_STAFF, {"department": departments["water"]}),
            ("roads", Role.DEPARTMENT_STAFF, {"department": departments["roads"]}),
            ("kvartalkom", Role.KVARTALKOM, {"quarter": quarters[0]}),
            ("kvartalkom2", Role.KVARTALKOM, {"quarter": quarters[1]}),
            ("lawyer", Role.LAWYER, {}),
        ]
        for index, (who, role, scope) in enumerate(staff):
            person = await setup.do_find_or_add_person(session, phone=f"+99670000010{index}", name=f"Staff {who}",
                                                       address=f"console:{who}",
                                                       language=Language.RU)
            await setup.do_grant_role(session, person, alm, role, **scope)
            world.people[who] = person.id
        other_head = await setup.do_find_or_add_person(session, phone="+996700000200", name="Other head")
        await setup.do_grant_role(session, other_head, other, Role.HEAD)
        await setup.do_grant_role(session, other_head, other, Role.DEPARTMENT_STAFF, department=other_water)
        world.people["other_head"] = other_head.id
    return world


async def municipality_id(db: Database, code: str) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(Municipality.id).where(Municipality.code == code))
