"""A resident submits a request through the conversation core, in Kyrgyz and in Russian."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from handlers.conversation import ConversationCore
from storage.enums import AttachmentKind, RequestEventKind, RequestStatus
from storage.models import Department, Person, Request
from tests.core_config import core_config
from tests.harness import Chat, onboard

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday, 15:00 in Bishkek


@pytest.fixture
def core(db):
    return ConversationCore(db, core_config(), clock=lambda: NOW)


async def test_full_request_in_kyrgyz(core, db):
    chat = Chat(core, db, "console:ainura")
    await chat.send("Салам")
    assert "Тилди тандаңыз" in chat.text and chat.labels() == ["Кыргызча", "Русский"]
    await chat.press("Кыргызча")
    assert "Макулсузбу?" in chat.text
    await chat.press("Макулмун")
    assert "Кайсы айылда жашайсыз?" in chat.text
    await chat.press("Аламүдүн")
    assert "Кайсы кварталда" in chat.text and "Дагы ▶" in chat.labels()  # 12 quarters: paged by 8
    await chat.press("Дагы")
    await chat.press("10-квартал")
    assert "10-квартал, Аламүдүн" in chat.text and "Башкы меню" in chat.text

    await chat.press("Кайрылуу жөнөтүү")
    assert "Түрүн тандаңыз" in chat.text
    await chat.press("Ичүүчү суу")
    assert "Көйгөйдү кыскача жазыңыз" in chat.text
    await chat.send("Үч күндөн бери көчөдө суу жок")
    await chat.photo()
    assert "Кошулган сүрөттөр: 1" in chat.text
    await chat.press("Даяр")
    await chat.location(42.90, 74.62)
    assert "Кайрылууңузду текшериңиз" in chat.text and "картадагы чекит" in chat.text
    await chat.press("Жөнөтүү")
    assert "Кайрылууңуз катталды" in chat.text and "ALM-2026-000001" in chat.text
    assert "4-декабрь" in chat.text  # 14 calendar days from 20 November

    async with db.reader() as session:
        request = (await session.scalars(sa.select(Request))).one()
        assert request.ticket == "ALM-2026-000001"
        assert request.language == "ky" and request.status == RequestStatus.RECEIVED
        assert request.description == "Үч күндөн бери көчөдө суу жок"
        assert (request.latitude, request.longitude) == (42.90, 74.62)
        department = await session.get(Department, request.department_id)
        assert department.code == "water"
        await session.refresh(request, ["attachments", "events"])
        assert [a.kind for a in request.attachments] == [AttachmentKind.PHOTO]
        assert [e.kind for e in request.events] == [RequestEventKind.CREATED, RequestEventKind.ROUTED]


async def test_full_request_in_russian_with_voice_and_address(core, db):
    chat = Chat(core, db, "console:ivan")
    await onboard(chat, language="Русский", quarter="2")
    await chat.press("Подать обращение")
    await chat.send("3")  # the third category, by its number: garbage
    await chat.voice()
    assert "Голосовое сообщение сохранено" in chat.text and "Продолжить ▶" in chat.labels()
    await chat.press("Продолжить")
    await chat.press("Пропустить")
    await chat.send("ул. Ленина 5, возле школы")
    assert "1 голосовое сообщение" in chat.text and "Адрес: ул. Ленина 5" in chat.text
    await chat.press("Отправить")
    assert "ALM-2026-000001" in chat.text and "4 декабря 2026" in chat.text
    async with db.reader() as session:
        request = (await session.scalars(sa.select(Request))).one()
        assert request.address_text == "ул. Ленина 5, возле школы" and request.language == "ru"


async def test_nothing_personal_is_stored_before_consent(core, db):
    chat = Chat(core, db, "console:shy")
    await chat.send("Меня зовут Айбек, мой телефон 0555123456", display_name="Айбек")
    await chat.press("Русский")
    await chat.press("Нет")
    assert "ничего о вас не сохранили" in chat.text
    async with db.reader() as session:
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Person))) == 0
        texts = (await session.scalars(sa.text("select coalesce(text, '') from inbound_messages"))).all()
        assert not any("Айбек" in t for t in texts)


async def test_sharing_the_phone_where_no_button_can_send_it_explains_how(core, db):
    chat = Chat(core, db, "console:nophone")
    await onboard(chat)
    await chat.send("/mydata")
    assert chat.labels()[0] == "📱 Поделиться номером телефона" and "Телефон: —" in chat.text
    await chat.send("1")
    assert "нажмите 📎 (скрепка) → Контакт и выберите себя" in chat.text and chat.labels()[0].startswith("📱")
