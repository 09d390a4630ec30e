"""The demo municipality: Alamudun aiyl okmotu (about 14,000 residents, 16 staff).

Villages and quarters are illustrative; departments, municipal enterprises and
categories follow the structure the municipal reports describe. The holiday calendar
holds Kyrgyz public holidays for 2026–2027; the dates of Orozo Ait and Kurman Ait are
set each year by decree, so an administrator should check them.
"""

import secrets
from datetime import date

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.legal.demo_base import do_load_demo_answers
from handlers.services import setup
from handlers.staff import accounts
from storage.enums import DepartmentKind, Language, Role
from storage.models import Holiday, Municipality, Person, ReplyTemplate, ResponsibleBody, StaffAccount
from storage.types import utcnow

DEMO_CODE = "ALM"
DEMO_LOGIN = "demo"

VILLAGES = [
    ("Аламүдүн", "Аламедин", 12),
    ("Кара-Жыгач", "Кара-Джигач", 3),
]

DEPARTMENTS = [
    ("general", DepartmentKind.DEPARTMENT, "Жалпы бөлүм", "Общий отдел"),
    ("finance", DepartmentKind.DEPARTMENT, "Финансы-экономика бөлүмү", "Финансово-экономический отдел"),
    ("social", DepartmentKind.DEPARTMENT, "Социалдык коргоо бөлүмү", "Отдел социальной защиты"),
    ("land", DepartmentKind.DEPARTMENT, "Жер бөлүмү", "Земельный отдел"),
    ("water", DepartmentKind.ENTERPRISE, "«Ичүүчү суу» муниципалдык ишканасы", "МП «Питьевая вода»"),
    ("waste", DepartmentKind.ENTERPRISE, "«Таза айыл» муниципалдык ишканасы (таштанды)",
     "МП «Таза айыл» (вывоз мусора)"),
    ("sewerage", DepartmentKind.ENTERPRISE, "Канализация муниципалдык ишканасы", "МП «Канализация»"),
    ("roads", DepartmentKind.ENTERPRISE, "Ички жолдор муниципалдык ишканасы", "МП «Внутренние дороги»"),
    ("lighting", DepartmentKind.ENTERPRISE, "Көчөлөрдү жарыктандыруу ишканасы", "МП «Уличное освещение»"),
]

CATEGORIES = [
    ("water", "💧 Ичүүчү суу", "💧 Питьевая вода", "water"),
    ("roads", "🛣 Ички жолдор", "🛣 Внутренние дороги", "roads"),
    ("garbage", "🗑 Таштанды чыгаруу", "🗑 Вывоз мусора", "waste"),
    ("lighting", "💡 Көчөлөрдү жарыктандыруу", "💡 Уличное освещение", "lighting"),
    ("sewerage", "🚰 Канализация", "🚰 Канализация", "sewerage"),
    ("land", "🌾 Жер маселелери", "🌾 Земельные вопросы", "land"),
    ("social", "🤝 Социалдык коргоо", "🤝 Социальная защита", "social"),
    ("other", "📌 Башка маселе", "📌 Другое", "general"),
]

HOLIDAYS = [
    ("01-01", "Жаңы жыл", "Новый год"),
    ("01-07", "Ыйса пайгамбардын туулган күнү", "Рождество Христово"),
    ("02-23", "Ата Мекенди коргоочулардын күнү", "День защитника Отечества"),
    ("03-08", "Эл аралык аялдар күнү", "Международный женский день"),
    ("03-21", "Нооруз майрамы", "Праздник Нооруз"),
    ("04-07", "Элдик Апрель революциясынын күнү", "День Народной апрельской революции"),
    ("05-01", "Эмгек майрамы", "Праздник труда"),
    ("05-05", "Конституция күнү", "День Конституции"),
    ("05-09", "Жеңиш күнү", "День Победы"),
    ("08-31", "Эгемендүүлүк күнү", "День независимости"),
    ("11-07", "Тарых жана ата-бабаларды эскерүү күнү", "День истории и памяти предков"),
    ("11-08", "Тарых жана ата-бабаларды эскерүү күнү", "День истории и памяти предков"),
]
MOVABLE_HOLIDAYS = [
    (date(2026, 3, 20), "Орозо айт", "Орозо айт"),
    (date(2026, 5, 27), "Курман айт", "Курман айт"),
    (date(2027, 3, 10), "Орозо айт", "Орозо айт"),
    (date(2027, 5, 17), "Курман айт", "Курман айт"),
]

RESPONSIBLE_BODIES = [
    ("«Северэлектро» ААК (үйлөргө электр берүү)", "ОАО «Северэлектро» (электроснабжение домов)", "1212"),
    ("«Газпром Кыргызстан» (газ менен камсыздоо)", "«Газпром Кыргызстан» (газоснабжение)", "104"),
    ("Ички иштер бөлүмү (коомдук тартип)", "Отдел внутренних дел (общественный порядок)", "102"),
    ("Республикалык маанидеги жолдор: Транспорт министрлиги",
     "Дороги республиканского значения: Министерство транспорта", "+996 312 31 45 88"),
]
REPLY_TEMPLATES = [  # (title in Kyrgyz, title in Russian), text in Kyrgyz, text in Russian
    (("Бригада жиберилди", "Бригада направлена"),
     "Кайрылууңуз боюнча бригада жиберилди, иш 3 күндүн ичинде аткарылат.",
     "По вашему обращению направлена бригада, работы будут выполнены в течение 3 дней."),
    (("Пландалган иштер", "Плановые работы"),
     "Бул көйгөй быйылкы иш планына киргизилди. Иш башталганда кабар беребиз.",
     "Этот вопрос включён в план работ этого года. Сообщим, когда работы начнутся."),
]


async def do_load_demo(session: AsyncSession) -> Municipality | None:
    """Creates the demo municipality; does nothing (returns None) if it already exists."""
    exists = await session.scalar(sa.select(Municipality.id).where(Municipality.code == DEMO_CODE))
    if exists is not None:
        return None
    municipality = await setup.do_create_municipality(
        session, DEMO_CODE, "Аламүдүн айыл өкмөтү", "Аламудунский айыл окмоту",
        center=(42.889, 74.637), radius_km=12)
    municipality.name_ru_genitive = "Аламудунского айыл окмоту"
    for sort, (name_ky, name_ru, quarters) in enumerate(VILLAGES):
        village = await setup.do_add_village(session, municipality, name_ky, name_ru, sort)
        for number in range(1, quarters + 1):
            await setup.do_add_quarter(session, village, f"{number}-квартал", f"Квартал №{number}", number)
    departments = {code: await setup.do_add_department(session, municipality, code, kind, ky, ru)
                   for code, kind, ky, ru in DEPARTMENTS}
    for sort, (code, ky, ru, department) in enumerate(CATEGORIES):
        await setup.do_add_category(session, municipality, code, ky, ru, departments[department], sort)
    await do_load_holidays(session, years=(2026, 2027))
    session.add_all([ResponsibleBody(municipality_id=municipality.id, name_ky=ky, name_ru=ru, contact=contact,
                                     sort=sort)
                     for sort, (ky, ru, contact) in enumerate(RESPONSIBLE_BODIES)])
    session.add_all([ReplyTemplate(municipality_id=municipality.id, title=title_ky, title_ru=title_ru, text_ky=ky,
                                   text_ru=ru)
                     for (title_ky, title_ru), ky, ru in REPLY_TEMPLATES])
    await do_load_demo_answers(session, utcnow())
    return municipality


async def do_load_holidays(session: AsyncSession, years: tuple[int, ...]) -> int:
    known = set((await session.scalars(sa.select(Holiday.day))).all())
    days = [(date(year, int(md[:2]), int(md[3:])), ky, ru) for year in years for md, ky, ru in HOLIDAYS]
    added = 0
    for day, ky, ru in days + [h for h in MOVABLE_HOLIDAYS if h[0].year in years]:
        if day not in known:
            await setup.do_add_holiday(session, day, ky, ru)
            known.add(day)
            added += 1
    return added


async def do_add_demo_login(session: AsyncSession, municipality: Municipality) -> str:
    """A back-office login to try the demo at once: ``demo``, an administrator of the demo municipality,
    with a new random password, returned once (only its hash is stored)."""
    person = Person(display_name="Demo", language=Language.KY, created_at=utcnow())
    session.add(person)
    await session.flush()
    await setup.do_grant_role(session, person, municipality, Role.ADMIN)
    password = secrets.token_urlsafe(12)
    await accounts.do_create_account(session, person, DEMO_LOGIN, password, Language.KY)
    return password


async def has_demo_login(session: AsyncSession) -> bool:
    return await session.scalar(sa.select(StaffAccount.id).where(StaffAccount.login == DEMO_LOGIN)) is not None
