"""The data of bench/shared_deployment.py: many municipalities, each with its bot and residents,
their requests and a backlog of unsent messages, bulk-loaded with COPY. Deterministic."""

import random
import time
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from bench._backoffice_data import CATEGORY_WEIGHTS, NOW, Place, do_copy, generate
from handlers.services import setup
from storage.db import Database
from storage.enums import Channel, DepartmentKind, Language, OutboxStatus, Role
from storage.migrate import migrate
from storage.models import ChannelIdentity, OutboxMessage, Person, Request, RequestEvent, StaffAccount
from tests.backoffice_world import add_staff

MUNICIPALITIES = 300
RESIDENTS = 1_000_000
REQUESTS_PER_RESIDENT = 0.6  # over three years: most write never, some a few times
BACKLOG_MUNICIPALITIES = 5
BACKLOG_SHARE = 0.3  # of their residents: an announcement under way
FIRST_BOT_ID = 7_000_000_000
CHUNK = 20_000
QUARTERS = 4


@dataclass
class Deployment:
    clerks: list[str]
    """Logins of the heads of the largest and of a median municipality."""
    operator: str


def sizes(count: int, residents: int) -> list[int]:
    """Residents per municipality, largest first: 1/rank^0.8, at least 50."""
    weights = [1 / (rank ** 0.8) for rank in range(1, count + 1)]
    total = sum(weights)
    return [max(50, round(residents * w / total)) for w in weights]


async def do_add_municipality(db: Database, index: int) -> Place:
    async with db.transaction() as session:
        code = f"M{index:03d}"
        municipality = await setup.do_create_municipality(session, code, f"{code} айыл өкмөтү", f"{code} айыл окмоту")
        village = await setup.do_add_village(session, municipality, f"Айыл {index}", f"Село {index}")
        quarters = [await setup.do_add_quarter(session, village, f"{n}-квартал", f"Квартал №{n}", n)
                    for n in range(1, QUARTERS + 1)]
        water = await setup.do_add_department(session, municipality, "water", DepartmentKind.ENTERPRISE,
                                              "Суу", "Водоканал")
        general = await setup.do_add_department(session, municipality, "general", DepartmentKind.DEPARTMENT,
                                                "Аппарат", "Аппарат")
        place = Place(municipality.id, 0, 0, water.id)
        for sort, code_ in enumerate(CATEGORY_WEIGHTS):
            department = water if code_ in ("water", "sewerage") else general
            category = await setup.do_add_category(session, municipality, code_, code_, code_, department, sort)
            place.categories[code_] = (category.id, department.id)
        place.quarters = [q.id for q in quarters]
        place.departments = [water.id, general.id]
        head = await add_staff(session, code, f"head.{code.lower()}", Role.HEAD)
        place.head_id = place.staff_id = head.id
    return place


async def do_load_deployment(db: Database, scale: float) -> tuple[Deployment, dict]:
    started = time.perf_counter()
    await migrate(db)
    count = max(3, round(MUNICIPALITIES * scale))
    residents_of = sizes(count, round(RESIDENTS * scale))
    places = [await do_add_municipality(db, index) for index in range(1, count + 1)]
    async with db.transaction() as session:
        operator = await add_staff(session, "M001", "operator", Role.ADMIN)
        await session.execute(sa.update(StaffAccount).where(StaffAccount.person_id == operator.id)
                              .values(operator=True))
        next_person = (await session.scalar(sa.select(sa.func.max(Person.id)))) + 1
    print(f"  {count} municipalities set up in {time.perf_counter() - started:.0f} s", flush=True)
    rng = random.Random(18)
    people, identities, outbox = [], [], []
    request_id = event_id = 0
    totals = {"residents": 0, "requests": 0, "events": 0, "backlog": 0}
    for index, (place, residents) in enumerate(zip(places, residents_of, strict=True)):
        bot = FIRST_BOT_ID + index
        first = next_person
        for n in range(residents):
            person_id = next_person
            next_person += 1
            people.append(dict(id=person_id, municipality_id=place.municipality_id,
                               quarter_id=place.quarters[n % QUARTERS], language=Language.KY if n % 5 < 3 else
                               Language.RU, display_name=f"Житель {person_id}", phone=None,
                               consent_at=NOW - timedelta(days=n % 900), consent_version="2026-11",
                               created_at=NOW - timedelta(days=n % 900)))
            identities.append(dict(id=person_id, address=f"telegram:{bot}:{person_id}", channel=Channel.TELEGRAM,
                                   person_id=person_id, blocked_at=None, last_inbound_at=NOW, created_at=NOW))
            if index < BACKLOG_MUNICIPALITIES and rng.random() < BACKLOG_SHARE:
                outbox.append(dict(identity_id=person_id, channel=Channel.TELEGRAM,
                                   address=f"telegram:{bot}:{person_id}", payload={"text": "Кулактандыруу"},
                                   priority=0, status=OutboxStatus.PENDING, attempts=0, created_at=NOW))
        for chunk in range(0, len(people), CHUNK):  # before their requests
            await do_copy(db, Person, people[chunk:chunk + CHUNK])
            await do_copy(db, ChannelIdentity, identities[chunk:chunk + CHUNK])
        totals["residents"] += len(people)
        people, identities = [], []
        requests_here = round(residents * REQUESTS_PER_RESIDENT)
        for requests, events in generate(place, requests_here, first, seed=index):
            for row in requests:
                row["id"] = request_id + row["id"]
                row["person_id"] = first + rng.randrange(residents)
                row["ticket"] = f"M{index + 1:03d}" + row["ticket"][3:]
                row["search_text"] = row["ticket"].casefold() + row["search_text"][len(row["ticket"]):]
                # The deadline watch has told whom it should: the service measured runs no catch-up.
                row["reminded_at"] = row["escalated_at"] = row["overdue_escalated_at"] = NOW
            for row in events:
                event_id += 1
                row["id"] = event_id
                row["request_id"] += request_id
            await do_copy(db, Request, requests)
            await do_copy(db, RequestEvent, events)
            totals["requests"] += len(requests)
            totals["events"] += len(events)
        request_id += requests_here
    for number, row in enumerate(outbox, start=1):
        row["id"] = number
    await do_copy(db, OutboxMessage, outbox)
    totals["backlog"] = len(outbox)
    async with db.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("requests", "request_events", "people", "channel_identities", "outbox"):
            await connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                             f"(SELECT coalesce(max(id), 1) FROM {table}))")
            await connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    totals.update(municipalities=count, bots=count, largest_requests=round(residents_of[0] * REQUESTS_PER_RESIDENT),
                  load_s=round(time.perf_counter() - started, 1))
    return Deployment([f"head.m{1:03d}", f"head.m{count // 2 + 1:03d}"], "operator"), totals
