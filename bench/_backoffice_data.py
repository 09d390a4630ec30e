"""A million requests for bench/backoffice.py: the demo municipality, its staff, residents,
and requests spread over three years, bulk-inserted (Core executemany on SQLite, COPY on
PostgreSQL). Deterministic for a given seed."""

import enum
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

import sqlalchemy as sa

from handlers.demo import do_load_demo
from handlers.services import setup
from storage.db import Database
from storage.enums import Channel, Language, RequestEventKind, RequestStatus, Role
from storage.migrate import migrate
from storage.models import Category, Department, Municipality, Person, Quarter, Request, RequestEvent

BISHKEK = timezone(timedelta(hours=6))  # no DST since 2005
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # Friday, 10:00 in Bishkek
YEARS = 3
DUE_DAYS = 14
RESIDENTS = 20_000
CHUNK = 20_000
CATEGORY_WEIGHTS = {"water": 22, "roads": 18, "garbage": 16, "lighting": 12, "sewerage": 8, "land": 9,
                    "social": 7, "other": 8}
PROBLEMS = {  # (Russian, Kyrgyz) per category code
    "water": [("Нет воды с утра, напор очень слабый", "Эртеден бери суу жок, басым өтө начар"),
              ("Прорвало трубу возле колонки", "Колонканын жанында түтүк жарылды")],
    "roads": [("Большая яма на дороге, машины не проезжают", "Жолдо чоң чуңкур, машиналар өтө албайт"),
              ("Дорогу размыло после дождя", "Жамгырдан кийин жолду суу жууп кетти")],
    "garbage": [("Мусор не вывозят уже две недели", "Таштанды эки жумадан бери чыгарылбайт"),
                ("Стихийная свалка у арыка", "Арыктын жанында уруксатсыз таштанды үймөгү")],
    "lighting": [("Не горит уличный фонарь, темно вечером", "Көчө чырагы күйбөйт, кечинде караңгы"),
                 ("Фонарь мигает всю ночь", "Чырак түнү бою өчүп-күйүп турат")],
    "sewerage": [("Засор канализации, вода во дворе", "Канализация бүтөлүп, короодо суу"),
                 ("Открытый люк на тротуаре", "Жөө жолдо капкагы жок люк")],
    "land": [("Сосед захватил часть участка", "Коңшу жердин бир бөлүгүн ээлеп алды"),
             ("Прошу выдать справку о земельном участке", "Жер участогу жөнүндө маалымкат сурайм")],
    "social": [("Прошу помочь с материальной помощью", "Материалдык жардам сурайм"),
               ("Пожилой сосед живёт один, нужна помощь", "Улгайган коңшу жалгыз жашайт, жардам керек")],
    "other": [("Бродячие собаки во дворе школы", "Мектептин короосунда ээсиз иттер"),
              ("Шумят по ночам в кафе", "Кафеде түнү ызы-чуу")],
}
STREETS = ["Ленина", "Манаса", "Токтогула", "Садовая", "Мира", "Школьная", "Жибек-Жолу", "Ала-Тоо", "Чүй", "Айтматова"]


@dataclass
class Place:
    """What the benchmark needs to know about the loaded municipality."""
    municipality_id: int
    head_id: int
    staff_id: int  # department staff of the water enterprise
    water_department_id: int
    categories: dict[str, tuple[int, int]] = field(default_factory=dict)  # code -> (id, department id)
    quarters: list[int] = field(default_factory=list)
    departments: list[int] = field(default_factory=list)


async def do_prepare(db: Database) -> Place:
    await migrate(db)
    async with db.transaction() as session:
        municipality: Municipality = await do_load_demo(session)
        head = await setup.do_find_or_add_person(session, phone="+996700000001", name="Башчы", language=Language.RU)
        staff = await setup.do_find_or_add_person(session, phone="+996700000002", name="Суу", language=Language.KY)
        await setup.do_grant_role(session, head, municipality, Role.HEAD)
        water = (await session.scalars(sa.select(Department).where(
            Department.municipality_id == municipality.id, Department.code == "water"))).one()
        await setup.do_grant_role(session, staff, municipality, Role.DEPARTMENT_STAFF, department=water)
        place = Place(municipality.id, head.id, staff.id, water.id)
        for code, category_id, department_id in (await session.execute(
                sa.select(Category.code, Category.id, Category.department_id)
                .where(Category.municipality_id == municipality.id))):
            place.categories[code] = (category_id, department_id)
        place.quarters = list((await session.scalars(sa.select(Quarter.id).where(
            Quarter.municipality_id == municipality.id).order_by(Quarter.id))).all())
        place.departments = list((await session.scalars(sa.select(Department.id).where(
            Department.municipality_id == municipality.id).order_by(Department.id))).all())
    return place


def local_date(moment: datetime) -> date:
    return moment.astimezone(BISHKEK).date()


def end_of_local_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BISHKEK).astimezone(UTC)


def generate(place: Place, n: int, first_person_id: int, seed: int = 4) -> Iterator[tuple[list[dict], list[dict]]]:
    """Chunks of (request rows, event rows) in created_at order; ids 1..n."""
    rng = random.Random(seed)
    codes, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    span = YEARS * 365 * 86400
    start = NOW - timedelta(seconds=span)
    counters: dict[int, int] = {}
    requests, events = [], []
    # Growth: later years get more requests (u ** 0.8 leans the spread toward now).
    moments = sorted(rng.random() ** 0.8 * span for _ in range(n))
    for request_id, offset in enumerate(moments, start=1):
        created = start + timedelta(seconds=offset)
        code = rng.choices(codes, weights)[0]
        category_id, department_id = place.categories[code]
        if rng.random() < 0.03:  # forwarded elsewhere
            department_id = rng.choice(place.departments)
        quarter_id = rng.choice(place.quarters) if rng.random() < 0.95 else None
        year = local_date(created).year
        counters[year] = counters.get(year, 0) + 1
        ticket = f"ALM-{year}-{counters[year]:06d}"
        language = Language.KY if rng.random() < 0.55 else Language.RU
        ru, ky = rng.choice(PROBLEMS[code])
        description = (f"{ky if language == Language.KY else ru}. "
                       f"{'көч.' if language == Language.KY else 'ул.'} {rng.choice(STREETS)}, {rng.randint(1, 180)}")
        due_date = local_date(created) + timedelta(days=DUE_DAYS)
        due_at = end_of_local_day(due_date)
        age_days = (NOW - created).days
        roll = rng.random()
        if age_days < DUE_DAYS:
            status = (RequestStatus.RECEIVED if roll < 0.35 else RequestStatus.IN_REVIEW if roll < 0.7
                      else RequestStatus.RESOLVED if roll < 0.95 else RequestStatus.REJECTED)
        else:  # a few old ones are still open: overdue
            status = (RequestStatus.RECEIVED if roll < 0.004 else RequestStatus.IN_REVIEW if roll < 0.015
                      else RequestStatus.RESOLVED if roll < 0.94 else RequestStatus.REJECTED)
        closed = status in (RequestStatus.RESOLVED, RequestStatus.REJECTED)
        answered_at = closed_at = rated_at = rating = None
        if closed or (status == RequestStatus.IN_REVIEW and rng.random() < 0.3):
            answered_at = min(created + timedelta(hours=rng.expovariate(1 / 50)), NOW)
        if closed:
            closed_at = min(answered_at + timedelta(hours=rng.expovariate(1 / 30)), NOW)
            if status == RequestStatus.RESOLVED and rng.random() < 0.35:
                rating = rng.choices([1, 2, 3, 4, 5], [5, 5, 12, 33, 45])[0]
                rated_at = closed_at
        requests.append(dict(
            id=request_id, municipality_id=place.municipality_id, ticket=ticket,
            person_id=first_person_id + rng.randrange(RESIDENTS), category_id=category_id, quarter_id=quarter_id,
            department_id=department_id, channel=Channel.TELEGRAM if rng.random() < 0.6 else Channel.WHATSAPP,
            language=language, description=description, latitude=None, longitude=None, address_text=None,
            status=status, created_at=created, updated_at=closed_at or created, due_date=due_date, due_at=due_at,
            assignee_person_id=(place.staff_id if department_id == place.water_department_id else place.head_id)
            if status != RequestStatus.RECEIVED else None,
            answered_at=answered_at, closed_at=closed_at, responsible_body_id=None, extensions=0, reminded_at=None,
            escalated_at=None, overdue_escalated_at=None, rating=rating, rated_at=rated_at,
            search_text=f"{ticket} {description}".casefold()))
        events.append(dict(request_id=request_id, kind=RequestEventKind.CREATED, at=created, actor_person_id=None,
                           status_from=None, status_to=RequestStatus.RECEIVED, department_id=None, text=None,
                           detail=None))
        if rating is not None and rating <= 2 and rng.random() < 0.3:
            events.append(dict(request_id=request_id, kind=RequestEventKind.REOPENED, at=rated_at,
                               actor_person_id=None, status_from=None, status_to=None, department_id=None,
                               text="Не решено", detail=None))
        if len(requests) == CHUNK:
            yield requests, events
            requests, events = [], []
    if requests:
        yield requests, events


async def do_insert_residents(db: Database, place: Place) -> int:
    """RESIDENTS residents; returns the first one's id."""
    async with db.transaction() as session:
        first = (await session.scalar(sa.select(sa.func.max(Person.id)))) + 1
        rows = [dict(id=first + i, municipality_id=place.municipality_id,
                     quarter_id=place.quarters[i % len(place.quarters)],
                     language=Language.KY if i % 2 else Language.RU, display_name=f"Resident {i}", phone=None,
                     consent_at=NOW, consent_version="2026-11", created_at=NOW) for i in range(RESIDENTS)]
        await session.execute(Person.__table__.insert(), rows)
    return first


async def do_load(db: Database, place: Place, n: int, progress=print) -> dict:
    """Inserts n requests (and their events); returns timings."""
    started = time.perf_counter()
    first_person = await do_insert_residents(db, place)
    event_id = 0
    for number, (requests, events) in enumerate(generate(place, n, first_person), start=1):
        for row in events:
            event_id += 1
            row["id"] = event_id
        if db.is_sqlite:
            async with db.transaction() as session:
                await session.execute(Request.__table__.insert(), requests)
                await session.execute(RequestEvent.__table__.insert(), events)
        else:
            await do_copy(db, Request, requests)
            await do_copy(db, RequestEvent, events)
        if number % 10 == 0:
            progress(f"  {number * CHUNK:,} requests in {time.perf_counter() - started:.0f} s")
    inserted = time.perf_counter() - started
    if not db.is_sqlite:  # what autovacuum does soon after a load this size (SQLite: the service never ANALYZEs)
        async with db.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("requests", "request_events", "people"):
                await connection.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                                 f"(SELECT max(id) FROM {table}))")
                await connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    return {"residents": RESIDENTS, "requests": n, "events": event_id, "insert_s": round(inserted, 1),
            "load_s": round(time.perf_counter() - started, 1)}


async def do_copy(db: Database, model, rows: list[dict]) -> None:
    """COPY on PostgreSQL (asyncpg's copy_records_to_table): the fastest bulk load. The columns are those
    of the first row (the others take their defaults)."""
    if not rows:
        return
    table = model.__table__
    columns = [c.name for c in table.columns if c.name in rows[0]]
    records = [tuple(_pg_value(row[c]) for c in columns) for row in rows]
    async with db.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(table.name, records=records, columns=columns)


def _pg_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):  # a JSON column
        return json.dumps(value, ensure_ascii=False)
    return value
