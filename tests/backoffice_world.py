"""A small world for the back office tests: staff with accounts in the demo municipality (ALM),
a second municipality (TKM) set up through the admin services, residents' requests, and the
running service's back office reached over HTTP."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from aiohttp import ClientSession, CookieJar

from handlers.services import setup
from handlers.services.requests import Draft, do_submit_request
from handlers.staff import accounts
from main import build_service
from settings import Settings
from storage.db import Database
from storage.enums import Channel, DepartmentKind, Language, Role
from storage.models import (
    AuditEntry,
    Category,
    ChannelIdentity,
    Department,
    Person,
    Quarter,
    Request,
    ResponsibleBody,
    StaffAccount,
)
from storage.types import utcnow
from tests.core_config import core_config

PASSWORD = "correct horse battery"
CSRF_FIELD = 'name="csrf" value="'


@dataclass
class World:
    alm_id: int
    tkm_id: int
    tkm_request_id: int


def settings_for(db_url: str, api_url: str | None = None, token: str | None = None) -> Settings:
    values = dict(database_url=db_url, http_port=0, telegram_per_chat_interval=0.0)
    if token:
        values.update(telegram_bot_token=token, telegram_api_url=api_url)
    return Settings(_env_file=None, **values)


async def start_service(db_url: str, api_url: str | None = None, token: str | None = None):
    """The real service (build_service, start); returns it and the back office's base URL."""
    service = await build_service(settings_for(db_url, api_url, token))
    await service.start()
    host, port = service._runner.addresses[0][:2]
    return service, f"http://{host}:{port}/office"


async def add_staff(session, code: str, login: str, role: Role, *, department: str | None = None,
                    quarter_id: int | None = None, name: str | None = None,
                    language: Language = Language.RU) -> Person:
    municipality = await setup.municipality_by_code(session, code)
    person = await setup.do_find_or_add_person(session, address=f"console:{login}", name=name or login,
                                               language=language)
    found = None
    if department is not None:
        found = await session.scalar(sa.select(Department).where(Department.municipality_id == municipality.id,
                                                                 Department.code == department))
    quarter = await session.get(Quarter, quarter_id) if quarter_id else None
    await setup.do_grant_role(session, person, municipality, role, department=found, quarter=quarter)
    if await session.scalar(sa.select(StaffAccount.id).where(StaffAccount.person_id == person.id)) is None:
        await accounts.do_create_account(session, person, login, PASSWORD, language)
    return person


async def add_request(session, code: str, description: str, *, category: str = "water", quarter_no: int = 1,
                      resident: str | None = None, attachments: list[dict] | None = None,
                      channel: Channel = Channel.CONSOLE) -> Request:
    municipality = await setup.municipality_by_code(session, code)
    quarter = await session.scalar(sa.select(Quarter).where(Quarter.municipality_id == municipality.id)
                                   .order_by(Quarter.id).offset(quarter_no - 1).limit(1))
    person = Person(municipality_id=municipality.id, quarter_id=quarter.id, language=Language.RU,
                    display_name=resident or "Айгуль", created_at=utcnow(), consent_at=utcnow(), consent_version="t")
    session.add(person)
    await session.flush()
    session.add(ChannelIdentity(address=f"console:resident-{person.id}", channel=Channel.CONSOLE,
                                person_id=person.id, created_at=utcnow()))
    category_id = await session.scalar(sa.select(Category.id).where(Category.municipality_id == municipality.id,
                                                                    Category.code == category))
    draft = Draft(category_id=category_id, description=description, attachments=attachments or [])
    return await do_submit_request(session, person=person, channel=channel, draft=draft,
                                   language=Language.RU, now=utcnow() - timedelta(minutes=5), config=core_config())


async def build_world(db: Database) -> World:
    """ALM: a head, water staff, a kvartalkom head. TKM: a town with its own head and one request."""
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        await add_staff(session, "ALM", "head.alm", Role.HEAD, name="Бакыт Асанов")
        await add_staff(session, "ALM", "water.alm", Role.DEPARTMENT_STAFF, department="water", name="Нурлан")
        first_quarter = await session.scalar(sa.select(Quarter.id).where(Quarter.municipality_id == alm.id)
                                             .order_by(Quarter.id).limit(1))
        await add_staff(session, "ALM", "kvartal.alm", Role.KVARTALKOM, quarter_id=first_quarter, name="Гүлнара")
        session.add(ResponsibleBody(municipality_id=alm.id, name_ky="Электр тармактары", name_ru="Северэлектро",
                                    contact="+996 312 000 000", sort=1))
        tkm = await setup.do_create_municipality(session, "TKM", "Токмок шаардык мэриясы", "Мэрия города Токмок")
        village = await setup.do_add_village(session, tkm, "Токмок", "Токмок")
        await setup.do_add_quarter(session, village, "1-квартал", "Квартал №1", 1)
        water = await setup.do_add_department(session, tkm, "water", DepartmentKind.ENTERPRISE, "Суу", "Водоканал")
        await setup.do_add_category(session, tkm, "water", "Суу", "Вода", water)
        await add_staff(session, "TKM", "head.tkm", Role.HEAD, name="Токмок башчысы")
        secret = await add_request(session, "TKM", "Секрет Токмока: трубу прорвало на ул. Ленина")
        return World(alm.id, tkm.id, secret.id)


async def audit_entries(db: Database, action: str | None = None) -> list[AuditEntry]:
    async with db.reader() as session:
        query = sa.select(AuditEntry).order_by(AuditEntry.id)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list((await session.scalars(query)).all())


def csrf_of(html: str) -> str:
    return html.split(CSRF_FIELD, 1)[1].split('"', 1)[0]


class OfficeClient:
    """A browser without a browser: an HTTP client with its own cookies, for the HTTP-level checks."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = ClientSession(cookie_jar=CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str, **kwargs) -> tuple[int, str]:
        async with self.http.get(self.base + path, **kwargs) as response:
            return response.status, await response.text()

    async def get_bytes(self, path: str) -> tuple[int, bytes, str]:
        async with self.http.get(self.base + path) as response:
            return response.status, await response.read(), response.headers.get("Content-Type", "")

    async def post(self, path: str, data: dict, **kwargs) -> tuple[int, str]:
        async with self.http.post(self.base + path, data=data, **kwargs) as response:
            return response.status, await response.text()

    async def log_in(self, login: str, password: str = PASSWORD) -> tuple[int, str]:
        _status, page = await self.get("/login")
        token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
        return await self.post("/login", {"login": login, "password": password, "form_token": token})

    async def csrf(self, path: str = "/requests") -> str:
        return csrf_of((await self.get(path))[1])
