"""A dialog's life: it survives a restart, it is closed politely after a silence, and a person
can see and erase what we keep about them."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.envelope import InputKind, encode_option
from handlers.services.people import do_erase_person
from handlers.services.requests import do_change_request_status, request_by_ticket
from storage.db import Database
from storage.enums import RequestStatus
from storage.models import ChannelIdentity, Conversation, InboundMessage, OutboxMessage, Person, Request
from tests.core_config import core_config
from tests.harness import Chat, onboard

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TIMEOUT = core_config().dialog_timeout
CLOSED = {"ru": "Вы не отвечали 30 мин., поэтому незаконченное обращение закрыто; оно не отправлено.",
          "ky": "Сиз 30 мүнөт жооп берген жоксуз, ошондуктан бүтпөгөн кайрылуу жабылды; ал жөнөтүлгөн жок."}
MENU = {"ru": "Главное меню. Что вы хотите сделать?", "ky": "Башкы меню. Эмне кылгыңыз келет?"}
LANGUAGE_BUTTON = {"ru": "Русский", "ky": "Кыргызча"}


async def count(db: Database, model) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model))


async def conversation_of(db: Database, address: str) -> Conversation:
    async with db.reader() as session:
        return (await session.scalars(sa.select(Conversation).join(ChannelIdentity)
                                      .where(ChannelIdentity.address == address))).one()


# -- restart ---------------------------------------------------------------------------------------
async def test_a_restart_in_the_middle_of_a_dialog_loses_nothing(db_url):
    """Each 'process' is a ConversationCore on its own Database; nothing is kept in memory between them."""
    processes: list[Database] = []

    async def restarted(chat: Chat | None) -> Chat:
        if processes:
            await processes[-1].dispose()
        db = Database(db_url)
        processes.append(db)
        core = ConversationCore(db, core_config(), clock=lambda: NOW)
        fresh = Chat(core, db, "console:restart")
        if chat is not None:
            fresh.seen_outbox_id, fresh.replies = chat.seen_outbox_id, chat.replies
        return fresh

    try:
        chat = await restarted(None)
        await onboard(chat, language="Кыргызча")
        await chat.press("📝")
        await chat.press("Ичүүчү суу")
        assert "Көйгөйдү кыскача жазыңыз" in chat.text

        chat = await restarted(chat)
        await chat.send("Үч күндөн бери суу жок")
        assert "Кайрылууңузду текшериңиз" in chat.text  # the confirm screen, still in Kyrgyz
        confirm_question = chat.last

        chat = await restarted(chat)
        await chat.press("✏️ Жерин", reply=confirm_question)  # a button sent before the restart still works
        await chat.press("◀ Артка")
        assert "Үч күндөн бери суу жок" in chat.text and "Ичүүчү суу" in chat.text  # the draft survived

        chat = await restarted(chat)
        await chat.press("Жөнөтүү")
        assert "Кайрылууңуз катталды" in chat.text and "ALM-2026-000001" in chat.text
        async with processes[-1].reader() as session:
            request = (await session.scalars(sa.select(Request))).one()
        assert (request.description, request.language) == ("Үч күндөн бери суу жок", "ky")
    finally:
        await processes[-1].dispose()


# -- timeout ---------------------------------------------------------------------------------------
@pytest.fixture
def clock():
    return [NOW]


@pytest.fixture
def core(db, clock):
    return ConversationCore(db, core_config(), clock=lambda: clock[0])


@pytest.mark.parametrize("language", ["ru", "ky"])
async def test_an_idle_request_is_closed_politely(core, db, clock, language):
    chat = Chat(core, db, f"console:idle-{language}")
    await onboard(chat, language=LANGUAGE_BUTTON[language])
    await chat.press("📝")
    await chat.send("1")
    description_question = chat.last
    idle_in_menu = Chat(core, db, "console:in-menu")
    await onboard(idle_in_menu)

    clock[0] += TIMEOUT - timedelta(minutes=1)
    assert await core.expire_idle_dialogs() == 0
    assert await chat.receive() == []

    clock[0] += timedelta(minutes=2)
    assert await core.expire_idle_dialogs() == 1
    received = await chat.receive()
    assert len(received) == 1
    text = received[0]["text"]
    assert text.index(CLOSED[language]) < text.index(MENU[language])
    assert received[0]["options"][0]["value"] == "request:new" and received[0]["nonce"] is not None  # the main menu
    assert await idle_in_menu.receive() == []  # the main menu has no timeout
    assert await count(db, Request) == 0
    conversation = await conversation_of(db, chat.address)
    assert (conversation.flow, conversation.data, conversation.expires_at) == ("menu", {}, None)

    clock[0] += TIMEOUT * 10
    assert await core.expire_idle_dialogs() == 0
    assert await chat.receive() == []

    await chat.press("✖", reply=description_question)  # a button of the closed dialog
    assert "кнопка относится к предыдущему шагу" in chat.text or "Бул баскыч мурунку кадамга" in chat.text
    await chat.press("📝")  # the menu sent with the notice works
    assert len(chat.labels()) == 9 and await count(db, Request) == 0  # the categories and «Cancel»


async def test_a_resident_who_answers_in_time_is_not_expired(core, db, clock):
    chat = Chat(core, db, "console:busy")
    await onboard(chat)
    await chat.press("📝")
    await chat.send("1")

    clock[0] += TIMEOUT - timedelta(minutes=1)
    await chat.send("Нет воды")  # the answer restarts the countdown
    answered_at = clock[0]
    clock[0] += timedelta(minutes=2)  # more than the timeout since the start, less since the answer
    assert await core.expire_idle_dialogs() == 0
    assert await chat.receive() == []
    assert (await conversation_of(db, chat.address)).step == "confirm"

    clock[0] = answered_at + TIMEOUT
    assert await core.expire_idle_dialogs() == 1
    assert CLOSED["ru"] in (await chat.receive())[0]["text"]


async def test_a_resident_who_answers_in_time_finishes_the_request(core, db, clock):
    chat = Chat(core, db, "console:slow")
    await onboard(chat)
    await chat.press("📝")
    for answer in ("1", "Нет воды"):
        clock[0] += TIMEOUT - timedelta(seconds=1)
        assert await core.expire_idle_dialogs() == 0
        await chat.send(answer)
    clock[0] += TIMEOUT - timedelta(seconds=1)
    await chat.press("Отправить")
    assert "ALM-2026-000001" in chat.text and await count(db, Request) == 1


async def test_two_schedulers_close_a_dialog_once(db, db_url, clock):
    """Two processes running the timeout job at the same moment: the resident is told once."""
    second = Database(db_url)
    try:
        cores = [ConversationCore(database, core_config(), clock=lambda: clock[0]) for database in (db, second)]
        chat = Chat(cores[0], db, "console:two-schedulers")
        await onboard(chat)
        await chat.press("📝")
        await chat.send("1")  # a draft begun: closing it is worth a word
        clock[0] += TIMEOUT
        closed = await asyncio.gather(cores[0].expire_idle_dialogs(), cores[1].expire_idle_dialogs())
        assert sorted(closed) == [0, 1]
        received = await chat.receive()
        assert len(received) == 1 and CLOSED["ru"] in received[0]["text"]
    finally:
        await second.dispose()


# -- my data ---------------------------------------------------------------------------------------
async def onboard_with_contacts(chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("Русский")
    consent = next(o for o in chat.last["options"] if o["value"] == "consent:yes")
    await chat.send(kind=InputKind.OPTION, option=encode_option(chat.last["nonce"], consent["value"]),
                    display_name="Айгүл Токтосунова", phone="+996555123456")
    await chat.press("Аламедин")
    await chat.send("3")
    await chat.press("◀ Главное меню")  # from the categories, where a new resident lands


async def submit_request(chat: Chat, description: str) -> None:
    await chat.press("📝")
    await chat.send("1")
    await chat.send(description)
    await chat.press("Отправить")


async def test_my_data_shows_and_erases(core, db):
    chat = Chat(core, db, "console:aigul")
    await onboard_with_contacts(chat)
    await submit_request(chat, "Нет воды, ул. Ленина 5, звоните 0555 123 456")

    await chat.send("/mydata")
    for line in ("Имя: Айгүл Токтосунова", "Телефон: +996555123456", "Адрес: Квартал №3, Аламедин",
                 "Язык: Русский", "1 обращение", "Согласие дано: 20 ноября 2026 г."):
        assert line in chat.text
    assert chat.labels() == ["🗑 Удалить мои данные", "◀ Главное меню"]

    await chat.press("Удалить")
    assert "Удалить ваше имя, телефон и адрес" in chat.text and chat.labels() == ["Да, удалить", "Нет"]
    await chat.press("Да, удалить")
    assert "Ваши данные удалены" in chat.text

    async with db.reader() as session:
        person = (await session.scalars(sa.select(Person))).one()
        assert (person.display_name, person.phone, person.quarter_id, person.consent_at) == (None, None, None, None)
        identity = (await session.scalars(sa.select(ChannelIdentity)
                                          .where(ChannelIdentity.address == chat.address))).one()
        assert identity.person_id is None
        request = (await session.scalars(sa.select(Request))).one()
        assert request.person_id == person.id  # the register of appeals keeps the request
        texts = (await session.scalars(sa.select(InboundMessage.text))).all()
        assert not any(t and "0555" in t for t in texts)

    # Nobody is told any more about the request of an erased person.
    async with db.transaction() as session:
        found = await request_by_ticket(session, request.municipality_id, request.ticket)
        await do_change_request_status(session, found, RequestStatus.IN_REVIEW, actor_person_id=None, note=None,
                                       now=NOW)
    assert await chat.receive() == []
    async with db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                                    .where(OutboxMessage.identity_id == identity.id,
                                           OutboxMessage.payload["text"].as_string().contains("На рассмотрении"))) == 0

    # /mydata no longer works, and the next message asks for consent again.
    await chat.send("/mydata")
    assert "Давайте сначала закончим первые шаги" in chat.text
    await chat.send("Здравствуйте")
    assert "Вы согласны?" in chat.text


async def test_my_data_without_erasing(core, db):
    chat = Chat(core, db, "console:keeps")
    await onboard(chat, language="Кыргызча")
    await chat.send("/mydata")
    assert "Аты-жөнү: —" in chat.text and "Дарек: 1-квартал, Аламүдүн" in chat.text
    await chat.press("Маалыматымды өчүрүү")
    await chat.press("Жок")
    assert "Башкы меню" in chat.text
    async with db.reader() as session:
        person = (await session.scalars(sa.select(Person))).one()
        assert person.consent_at is not None and person.quarter_id is not None


async def test_erasing_a_person_in_the_service(core, db):
    """do_erase_person on its own, called outside any dialog (as the back office would)."""
    chat = Chat(core, db, "console:erase")
    await onboard_with_contacts(chat)
    await submit_request(chat, "Нет воды, звоните 0555 123 456")
    async with db.transaction() as session:
        person = (await session.scalars(sa.select(Person))).one()
        assert (person.display_name, person.phone) == ("Айгүл Токтосунова", "+996555123456")
        await do_erase_person(session, person, NOW)

    async with db.reader() as session:
        person = (await session.scalars(sa.select(Person))).one()
        assert (person.display_name, person.phone, person.quarter_id, person.consent_at) == (None, None, None, None)
        assert (await session.scalars(sa.select(ChannelIdentity.person_id))).all() == [None]
        assert (await session.scalars(sa.select(Request.person_id))).all() == [person.id]
        assert all(t is None for t in (await session.scalars(sa.select(InboundMessage.text))).all())
        request = (await session.scalars(sa.select(Request))).one()

    async with db.transaction() as session:
        found = await request_by_ticket(session, request.municipality_id, request.ticket)
        await do_change_request_status(session, found, RequestStatus.IN_REVIEW, actor_person_id=None, note=None,
                                       now=NOW)
    assert await chat.receive() == []  # nobody to tell any more
    await chat.send("Здравствуйте")
    assert "Выберите язык" in chat.text  # the identity is a stranger again: onboarding from the start


async def test_a_new_resident_who_leaves_the_categories_unanswered_is_not_told_of_a_closed_request(core, db, clock):
    chat = Chat(core, db, "console:newcomer")
    await onboard(chat, to_menu=False)
    assert chat.last["options"][0]["value"].startswith("c:")  # straight to the categories
    clock[0] += TIMEOUT * 2
    assert await core.expire_idle_dialogs() == 0 and await chat.receive() == []
    conversation = await conversation_of(db, chat.address)
    assert (conversation.flow, conversation.expires_at) == ("menu", None)
    await chat.send("/my")  # a command from there says nothing about a dropped request
    assert "Отменено" not in chat.text and "У вас пока нет обращений" in chat.text
