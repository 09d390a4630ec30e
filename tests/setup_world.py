"""The world of the setup tests: an empty database (no demo, no account) on SQLite and PostgreSQL,
the real service on it with the fake Telegram Bot API, and the first-run link it prints; and the
demo's service with an administrator and a lawyer beside build_world's staff, for the setup pages."""

import os
import re

import pytest
from sqlalchemy.engine import make_url

from main import build_service
from settings import Settings
from storage.enums import Role
from tests.backoffice_world import OfficeClient, add_staff, build_world, start_service
from tests.conftest import TELEGRAM_TOKEN, _counter, _pg_admin, pg_base_url

LINK = re.compile(r"First run: open (\S+/office/first-run/\S+) ")


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A database with nothing in it: the service migrates it on start and loads no demo."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    base = pg_base_url()
    if base is None:
        pytest.skip("PostgreSQL is not configured (KAIRYL_TEST_PG_URL)")
    name = f"kairyl_fresh{os.getpid()}_{next(_counter)}"
    await _pg_admin(base, f'CREATE DATABASE "{name}"')
    yield make_url(base).set(database=name).render_as_string(hide_password=False)
    await _pg_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def fresh_settings(db_url: str, api_url: str) -> Settings:
    return Settings(_env_file=None, database_url=db_url, http_port=0, telegram_per_chat_interval=0.0,
                    load_demo=False, telegram_bot_token=TELEGRAM_TOKEN, telegram_api_url=api_url)


async def start_fresh(db_url: str, api_url: str):
    """The real service on a fresh database; returns it and its back office's base URL."""
    service = await build_service(fresh_settings(db_url, api_url))
    await service.start()
    host, port = service._runner.addresses[0][:2]
    return service, f"http://{host}:{port}/office"


def first_run_links(printed: str) -> list[str]:
    return LINK.findall(printed)


@pytest.fixture
async def staffed_office(db_url):
    """(service, world, base): the demo's service with build_world's staff, an administrator
    (admin.alm) and a lawyer (lawyer.alm); base is the back office's URL."""
    service, base = await start_service(db_url)
    world = await build_world(service.db)
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "admin.alm", Role.ADMIN, name="Админ")
        await add_staff(session, "ALM", "lawyer.alm", Role.LAWYER, name="Юрист")
    yield service, world, base
    await service.stop()


@pytest.fixture
async def office(staffed_office):
    """(service, world, client): client(login) is an OfficeClient logged in as that staff member."""
    service, world, base = staffed_office
    clients: list[OfficeClient] = []

    async def client(login: str) -> OfficeClient:
        clients.append(OfficeClient(base))
        await clients[-1].log_in(login)
        return clients[-1]

    yield service, world, client
    for made in clients:
        await made.close()
