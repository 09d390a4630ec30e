"""A world for the transparency tests: ALM (the demo municipality) with requests the tests know by
heart (categories, quarters, statuses, dates), personal data written into them on purpose (names,
phone numbers, ПИН, a resident's pin, a private request), and TKM, a second municipality."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from handlers.config import BISHKEK
from handlers.services import setup
from handlers.services.requests import Draft, do_submit_request
from handlers.transparency.models import PrivateRequest
from handlers.transparency.settings import do_set_descriptions, do_set_quarter_centre
from storage.db import Database
from storage.enums import (
    BroadcastKind,
    BroadcastStatus,
    Channel,
    DepartmentKind,
    HearingKind,
    HearingStatus,
    Language,
    ProposalOutcome,
    RequestStatus,
)
from storage.models import Broadcast, Category, ChannelIdentity, Hearing, Person, Proposal, Quarter, Request
from tests.core_config import core_config

RESIDENT_NAME = "Айгуль Асанова"
RESIDENT_PHONE = "+996555123456"
RESIDENT_PIN = "21234567890123"
PIN_LATITUDE, PIN_LONGITUDE = 42.912345, 74.654321
"""Where the resident stood: never to be seen in public."""
CENTRE = (42.89, 74.62)
"""The centre of ALM's first quarter, as the administrator set it."""
PRIVATE_TEXT = "Личное: сосед Бакыт ворует воду"


@dataclass
class Made:
    """What the world made: tickets by their role in the tests."""

    tickets: dict[str, str] = field(default_factory=dict)
    personal: list[str] = field(default_factory=list)
    """Strings that must never appear on the public side."""


async def _person(session, municipality_id: int, quarter_id: int, name: str, phone: str | None,
                  language: Language) -> Person:
    person = Person(municipality_id=municipality_id, quarter_id=quarter_id, language=language, display_name=name,
                    phone=phone, created_at=datetime.now().astimezone(), consent_at=datetime.now().astimezone(),
                    consent_version="t")
    session.add(person)
    await session.flush()
    session.add(ChannelIdentity(address=f"console:public-{person.id}", channel=Channel.CONSOLE, person_id=person.id))
    return person


async def add_request(session, person: Person, category_code: str, text: str, created: datetime, *,
                      status: RequestStatus = RequestStatus.RECEIVED, answered_after: timedelta | None = None,
                      language: Language = Language.RU, pin: bool = False) -> Request:
    category_id = await session.scalar(sa.select(Category.id).where(
        Category.municipality_id == person.municipality_id, Category.code == category_code))
    draft = Draft(category_id=category_id, description=text, latitude=PIN_LATITUDE if pin else None,
                  longitude=PIN_LONGITUDE if pin else None)
    request = await do_submit_request(session, person=person, channel=Channel.CONSOLE, draft=draft,
                                      language=language, now=created, config=core_config())
    request.status = status
    if answered_after is not None:
        request.answered_at = request.updated_at = created + answered_after
    if status in (RequestStatus.RESOLVED, RequestStatus.REJECTED):
        request.closed_at = created + (answered_after or timedelta(days=1))
    return request


async def build_public_world(db: Database, now: datetime, *, descriptions: bool = True) -> Made:
    made = Made()
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        quarters = list((await session.scalars(sa.select(Quarter).where(Quarter.municipality_id == alm.id)
                                               .order_by(Quarter.village_id, Quarter.sort, Quarter.id))).all())
        first, second = quarters[0], quarters[1]
        await do_set_quarter_centre(session, alm, first.id, *CENTRE)
        await do_set_descriptions(session, alm, descriptions)
        aigul = await _person(session, alm.id, first.id, RESIDENT_NAME, RESIDENT_PHONE, Language.RU)
        kyrgyz = await _person(session, alm.id, second.id, "Нурлан Токтогулов", "+996700111222", Language.KY)
        water = await add_request(
            session, aigul, "water",
            f"Трубу прорвало у дома. Звоните Айгуль Асановой по номеру +996 555 123 456, ПИН {RESIDENT_PIN}",
            now - timedelta(hours=3), pin=True)
        roads = await add_request(session, kyrgyz, "roads", "Мектептин жанындагы жолдо чуңкур бар",
                                  now - timedelta(days=2), status=RequestStatus.RESOLVED,
                                  answered_after=timedelta(days=1), language=Language.KY)
        garbage = await add_request(session, aigul, "garbage", "Мусор не вывозят третью неделю",
                                    now - timedelta(days=1), status=RequestStatus.REJECTED,
                                    answered_after=timedelta(hours=5))
        private = await add_request(session, aigul, "water", PRIVATE_TEXT, now - timedelta(hours=2),
                                    status=RequestStatus.IN_REVIEW)
        session.add(PrivateRequest(request_id=private.id, marked_at=now))
        tkm = await setup.do_create_municipality(session, "TKM", "Токмок шаардык мэриясы", "Мэрия города Токмок")
        village = await setup.do_add_village(session, tkm, "Токмок", "Токмок")
        tkm_quarter = await setup.do_add_quarter(session, village, "1-квартал", "Квартал №1", 1)
        department = await setup.do_add_department(session, tkm, "heating", DepartmentKind.ENTERPRISE, "Жылуулук",
                                                   "Теплосеть")
        await setup.do_add_category(session, tkm, "heating", "🔥 Жылуулук", "🔥 Отопление", department)
        tokmok = await _person(session, tkm.id, tkm_quarter.id, "Токмоктук тургун", None, Language.RU)
        other = await add_request(session, tokmok, "heating", "Батареи холодные", now - timedelta(hours=1))
        made.tickets = {"water": water.ticket, "roads": roads.ticket, "garbage": garbage.ticket,
                        "private": private.ticket, "tkm": other.ticket}
    made.personal = [RESIDENT_NAME, "Асанов", "Айгуль", "Токтогулов", "555 123 456", "555123456", "700111222",
                     RESIDENT_PIN, str(PIN_LATITUDE), str(PIN_LONGITUDE), "912345", "654321", PRIVATE_TEXT,
                     "ворует", made.tickets["private"], "console:"]
    return made


ORDINARY_RU = "Воды не будет 8 декабря с 9:00 до 13:00: ремонт насосной станции."
ORDINARY_KY = "8-декабрда саат 9:00дөн 13:00гө чейин суу берилбейт: насостук станция оңдолот."
EMERGENCY_TODAY_RU = "Сель на улице Садовой: не подходите к руслу."
EMERGENCY_OLD_RU = "Вчерашнее срочное: сильный ветер."
GROUP_ONLY_RU = "Собрание инициативной группы «Таза суу»."
UPCOMING_TITLE = "Жергиликтүү бюджет 2027"
PAST_TITLE = "СЭӨП 2026–2030"


async def add_notices_and_hearings(db: Database, now: datetime) -> None:
    """ALM's announcements (one ordinary, an emergency of today and one of yesterday, a group's notice)
    and hearings (one to come, one held with 135 people, 57 women, 25 from groups, 3 proposals, 2 accepted)."""
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")

        def broadcast(kind: BroadcastKind, started: datetime, ru: str, ky: str | None = None,
                      groups: list[int] | None = None) -> Broadcast:
            return Broadcast(municipality_id=alm.id, kind=kind, status=BroadcastStatus.DONE, text_ru=ru, text_ky=ky,
                             group_ids=groups, scheduled_at=started, started_at=started, finished_at=started,
                             created_at=started)
        local_midnight = datetime.combine(now.astimezone(BISHKEK).date(), datetime.min.time(), tzinfo=BISHKEK)
        session.add_all([
            broadcast(BroadcastKind.ORDINARY, now - timedelta(days=3), ORDINARY_RU, ORDINARY_KY),
            broadcast(BroadcastKind.EMERGENCY, max(local_midnight, now - timedelta(minutes=30)), EMERGENCY_TODAY_RU),
            broadcast(BroadcastKind.EMERGENCY, local_midnight - timedelta(hours=2), EMERGENCY_OLD_RU),
            broadcast(BroadcastKind.ORDINARY, now - timedelta(days=1), GROUP_ONLY_RU, groups=[1]),
        ])
        session.add(Hearing(municipality_id=alm.id, kind=HearingKind.BUDGET, status=HearingStatus.ANNOUNCED,
                            title=UPCOMING_TITLE, place="Айыл өкмөтүнүн чоң залы", starts_at=now + timedelta(days=10),
                            created_at=now))
        past = Hearing(municipality_id=alm.id, kind=HearingKind.PROGRAMME, status=HearingStatus.CLOSED,
                       title=PAST_TITLE, place="Маданият үйү", starts_at=now - timedelta(days=20), created_at=now,
                       closed_at=now - timedelta(days=19), attendance_total=135, attendance_women=57,
                       attendance_from_groups=25)
        session.add(past)
        await session.flush()
        for outcome in (ProposalOutcome.ACCEPTED, ProposalOutcome.PARTLY, ProposalOutcome.REJECTED):
            session.add(Proposal(hearing_id=past.id, language=Language.KY, text="Суу түтүгүн алмаштыруу",
                                 outcome=outcome, created_at=now - timedelta(days=21)))
