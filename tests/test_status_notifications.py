"""Telling people about requests: the resident on a status change or an answer (in the language of
the appeal, as Law No. 67 requires), and the kvartalkom head of the quarter on a new request."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from handlers.config import BISHKEK
from handlers.conversation import ConversationCore
from handlers.dates import moment
from handlers.errors import InvalidInput
from handlers.services.outbox import PRIORITY_NOTIFICATION
from handlers.services.requests import do_answer_request, do_change_request_status, request_by_ticket
from handlers.services.setup import do_find_or_add_person, do_grant_role, municipality_by_code
from storage.db import Database
from storage.enums import Language, RequestEventKind, RequestStatus, Role
from storage.models import Department, OutboxMessage, Quarter, Request, RequestEvent, Village
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.harness import submit_request as submit

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=2, hours=3)  # 22 November, 18:00 in Bishkek
TICKET = "ALM-2026-000001"
ANSWER = "Бригада заменила трубу на ул. Ленина, вода есть."
BUTTON = {"ru": "Русский", "ky": "Кыргызча"}
STATUS_CHANGED = {"ru": f"Статус вашего обращения {TICKET} изменён: «На рассмотрении».",
                  "ky": f"{TICKET} кайрылууңуздун абалы өзгөрдү: «Каралууда»."}
ANSWERED = {"ru": f"Ответ на ваше обращение {TICKET}:\n{ANSWER}", "ky": f"{TICKET} кайрылууңузга жооп:\n{ANSWER}"}


@pytest.fixture
def core(db):
    return ConversationCore(db, core_config(), clock=lambda: NOW)




async def change_status(db: Database, ticket: str, status: RequestStatus, note: str | None = None) -> None:
    async with db.transaction() as session:
        request = await request_by_ticket(session, (await municipality_by_code(session, "ALM")).id, ticket)
        await do_change_request_status(session, request, status, actor_person_id=None, note=note, now=LATER)


async def answer(db: Database, ticket: str, text: str) -> None:
    async with db.transaction() as session:
        request = await request_by_ticket(session, (await municipality_by_code(session, "ALM")).id, ticket)
        await do_answer_request(session, request, text, actor_person_id=None, now=LATER)


@pytest.mark.parametrize("appeal, interface", [("ky", "ru"), ("ru", "ky")])
async def test_resident_is_told_in_the_language_of_the_appeal(core, db, appeal, interface):
    chat = Chat(core, db, "console:resident")
    await onboard(chat, language=BUTTON[appeal])
    assert await submit(chat) == TICKET
    await chat.press("🌐")
    await chat.press(BUTTON[interface])
    assert ("Язык изменён." if interface == "ru" else "Тил өзгөртүлдү.") in chat.text

    await change_status(db, TICKET, RequestStatus.IN_REVIEW)
    told = await chat.receive()
    assert [r["text"] for r in told] == [STATUS_CHANGED[appeal]]
    await answer(db, TICKET, f"  {ANSWER}\n")
    told = await chat.receive()
    assert [r["text"] for r in told] == [ANSWERED[appeal]]

    async with db.reader() as session:
        rows = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == chat.address)
                                      .order_by(OutboxMessage.id.desc()).limit(2))).all()
    assert [r.priority for r in rows] == [PRIORITY_NOTIFICATION] * 2
    assert all(r.created_at == LATER for r in rows)

    # "My requests" is shown in the interface language, with the new status and the answer in the history.
    await chat.send("/my")
    if interface == "ru":
        assert f"1. {TICKET}: На рассмотрении (20 ноября 2026" in chat.text
        await chat.press(TICKET)
        on_20th, on_22nd = (moment(at, Language.RU, BISHKEK) for at in (NOW, LATER))  # the year if not this one
        for line in ("Статус: На рассмотрении", f"{on_20th}: принято",
                     f"{on_22nd}: статус «На рассмотрении»", f"{on_22nd}: ответ: {ANSWER}"):
            assert line in chat.text
    else:
        assert f"1. {TICKET}: Каралууда" in chat.text
        await chat.press(TICKET)
        assert "Абалы: Каралууда" in chat.text and "абалы «Каралууда»" in chat.text
        assert f"жооп: {ANSWER}" in chat.text
    assert chat.labels() == (["◀ Мои обращения", "◀ Главное меню"] if interface == "ru"
                             else ["◀ Менин кайрылууларым", "◀ Башкы меню"])


async def test_status_note_and_final_status(core, db):
    chat = Chat(core, db, "console:note")
    await onboard(chat)
    await submit(chat)
    await change_status(db, TICKET, RequestStatus.RESOLVED, note="Мусор вывезен 22 ноября.")
    told = await chat.receive()
    assert [r["text"] for r in told] == [f"Статус вашего обращения {TICKET} изменён: «Решено».\nМусор вывезен 22 ноября."]
    async with db.reader() as session:
        request = (await session.scalars(sa.select(Request))).one()
        events = (await session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == request.id)
                                        .order_by(RequestEvent.id))).all()
    assert request.status == RequestStatus.RESOLVED and request.updated_at == LATER
    assert (events[-1].kind, events[-1].status_from, events[-1].status_to) == (
        RequestEventKind.STATUS_CHANGED, RequestStatus.RECEIVED, RequestStatus.RESOLVED)


async def test_refused_changes_tell_nobody(core, db):
    chat = Chat(core, db, "console:refused")
    await onboard(chat)
    await submit(chat)
    with pytest.raises(InvalidInput):
        await change_status(db, TICKET, RequestStatus.RECEIVED)  # it already is
    with pytest.raises(InvalidInput):
        await answer(db, TICKET, "   ")
    assert await chat.receive() == []
    async with db.reader() as session:
        kinds = (await session.scalars(sa.select(RequestEvent.kind))).all()
    assert set(kinds) == {RequestEventKind.CREATED, RequestEventKind.ROUTED}


async def test_a_resident_who_blocked_the_bot_is_not_written_to(core, db):
    chat = Chat(core, db, "console:blocked")
    await onboard(chat)
    await submit(chat)
    async with db.transaction() as session:
        await session.execute(sa.text("UPDATE channel_identities SET blocked_at = created_at"))
    await change_status(db, TICKET, RequestStatus.IN_REVIEW)
    assert await chat.receive() == []


# -- the kvartalkom head ---------------------------------------------------------------------------
async def appoint_head(db: Database, address: str, village_ru: str, quarter_ru: str, language: Language) -> None:
    async with db.transaction() as session:
        municipality = await municipality_by_code(session, "ALM")
        quarter = (await session.scalars(
            sa.select(Quarter).join(Village).where(Village.name_ru == village_ru, Quarter.name_ru == quarter_ru))).one()
        head = await do_find_or_add_person(session, address=address, name="Асан Мамытов", language=language)
        await do_grant_role(session, head, municipality, Role.KVARTALKOM, quarter=quarter)


async def test_kvartalkom_head_gets_a_copy_of_requests_in_their_quarter_only(core, db):
    await appoint_head(db, "console:head-alamedin-1", "Аламедин", "Квартал №1", Language.KY)
    await appoint_head(db, "console:head-karajygach-1", "Кара-Джигач", "Квартал №1", Language.RU)
    head_alamedin = Chat(core, db, "console:head-alamedin-1")
    head_karajygach = Chat(core, db, "console:head-karajygach-1")

    in_quarter = Chat(core, db, "console:alamedin-1")
    await onboard(in_quarter, quarter="1")
    ticket = await submit(in_quarter, "Нет воды на ул. Ленина")
    assert [r["text"] for r in await head_alamedin.receive()] == [
        f"Сиздин кварталда жаңы кайрылуу: {ticket}, 💧 Ичүүчү суу.\nНет воды на ул. Ленина"]
    assert await head_karajygach.receive() == []

    next_quarter = Chat(core, db, "console:alamedin-2")
    await onboard(next_quarter, quarter="2")
    await submit(next_quarter)
    same_number_other_village = Chat(core, db, "console:karajygach-1")
    await onboard(same_number_other_village, village="Кара", quarter="1")
    other_ticket = await submit(same_number_other_village, "Яма на дороге " * 60)

    assert await head_alamedin.receive() == []
    copies = [r["text"] for r in await head_karajygach.receive()]
    assert len(copies) == 1 and copies[0].startswith(f"Новое обращение в вашем квартале: {other_ticket}, ")
    assert copies[0].endswith("…") and len(copies[0].split("\n", 1)[1]) == 500  # a long description is shortened

    async with db.reader() as session:
        copied = (await session.execute(
            sa.select(Request.ticket).join(RequestEvent, RequestEvent.request_id == Request.id)
            .where(RequestEvent.kind == RequestEventKind.QUARTER_HEAD_COPIED))).scalars().all()
    assert sorted(copied) == sorted([ticket, other_ticket])


async def test_no_copies_when_the_municipality_turned_them_off(core, db):
    await appoint_head(db, "console:head", "Аламедин", "Квартал №1", Language.KY)
    async with db.transaction() as session:
        (await municipality_by_code(session, "ALM")).copy_quarter_head = False
    chat = Chat(core, db, "console:resident-off")
    await onboard(chat, quarter="1")
    await submit(chat)
    assert await Chat(core, db, "console:head").receive() == []


# -- who answered ------------------------------------------------------------------------------------
WHO = {"ky": ("Жооп берген: Айбек Токтогулов, {department}", "— Айбек Токтогулов, {department}"),
       "ru": ("Кто ответил: Айбек Токтогулов, {department}", "— Айбек Токтогулов, {department}")}


@pytest.mark.parametrize("language", ["ky", "ru"])
async def test_the_resident_sees_who_answered_by_name_and_department(core, db, language):
    chat = Chat(core, db, f"console:who-{language}")
    await onboard(chat, language=BUTTON[language])
    ticket = await submit(chat)
    async with db.transaction() as session:
        municipality = await municipality_by_code(session, "ALM")
        request = await request_by_ticket(session, municipality.id, ticket)
        department = await session.get(Department, request.department_id)
        staff = await do_find_or_add_person(session, address="console:staff-water", name="Айбек Токтогулов")
        await do_grant_role(session, staff, municipality, Role.DEPARTMENT_STAFF, department=department)
        await do_grant_role(session, staff, municipality, Role.HEAD)
        await do_answer_request(session, request, ANSWER, actor_person_id=staff.id, now=LATER)
        name = department.name_ky if language == "ky" else department.name_ru
    in_history, signature = (line.format(department=name) for line in WHO[language])
    assert [r["text"] for r in await chat.receive()] == [ANSWERED[language] + "\n" + signature]

    await chat.send("/my")
    await chat.press(ticket)
    assert in_history in chat.text and f"{ANSWER}\n{in_history}" in chat.text


async def test_the_head_who_answered_is_shown_by_position(core, db):
    chat = Chat(core, db, "console:who-head")
    await onboard(chat)
    ticket = await submit(chat)
    async with db.transaction() as session:
        municipality = await municipality_by_code(session, "ALM")
        request = await request_by_ticket(session, municipality.id, ticket)
        head = await do_find_or_add_person(session, address="console:the-head", name="Нурлан Асанов")
        await do_grant_role(session, head, municipality, Role.HEAD)
        await do_answer_request(session, request, ANSWER, actor_person_id=head.id, now=LATER)
    assert (await chat.receive())[0]["text"].endswith("\n— Нурлан Асанов, глава айыл окмоту")
