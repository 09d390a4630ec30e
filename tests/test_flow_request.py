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


async def test_first_request_in_kyrgyz_takes_seven_answers_and_a_photo_and_a_pin_add_only_themselves(core, db):
    chat = Chat(core, db, "console:ainura")
    await chat.send("Салам")
    assert "Тилди тандаңыз" in chat.text and chat.labels() == ["Кыргызча", "Русский"]
    chat.answers = chat.carriers = 0
    await chat.press("Кыргызча")
    assert "Макулсузбу?" in chat.text
    await chat.press("Макулмун")
    assert "Кайсы айылда жашайсыз?" in chat.text
    await chat.press("Аламүдүн")
    assert "Кайсы кварталда" in chat.text and "Дагы ▶" in chat.labels()  # 12 quarters: paged by 8
    await chat.send("10-квартал")  # typed by name, though it is on the second page
    assert "10-квартал, Аламүдүн" in chat.text
    assert "Түрүн тандаңыз" in chat.text  # a new resident goes straight to the categories
    await chat.send("суу")  # an ordinary word for drinking water
    assert "Көйгөйдү кыскача жазыңыз" in chat.text and "баскыч" not in chat.text
    await chat.photo()
    assert "Кошулган сүрөттөр: 1" in chat.text and "Эми көйгөйдү сөз менен" in chat.text
    await chat.send("Үч күндөн бери көчөдө суу жок")
    assert "Кайрылууңузду текшериңиз" in chat.text and "1 сүрөт" in chat.text
    assert {"✅ Жөнөтүү", "✏️ Түрүн өзгөртүү", "✏️ Текстти өзгөртүү", "✏️ Жерин өзгөртүү"} <= set(chat.labels())
    await chat.location(42.90, 74.62)
    assert "Жери белгиленди" in chat.text and "картадагы чекит" in chat.text
    await chat.press("Жөнөтүү")
    assert "Кайрылууңуз катталды" in chat.text and "ALM-2026-000001" in chat.text
    assert "2026-жылдын 4-декабры" in chat.text  # 14 calendar days from 20 November
    assert chat.answers - chat.carriers == 7 and chat.carriers == 2

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

    chat.answers = chat.carriers = 0  # returning: the problem written at the main menu, its category named in it
    await chat.send("Түнкүсүн биздин көчөдө жарык күйбөй жатат")
    assert "Кайрылууңузду текшериңиз" in chat.text and "Көчөлөрдү жарыктандыруу" in chat.text
    await chat.send("ооба")
    assert "ALM-2026-000002" in chat.text and chat.answers == 2


async def test_first_request_in_russian_by_words_with_a_captioned_photo(core, db):
    chat = Chat(core, db, "console:ivan")
    await chat.send("/start")
    chat.answers = chat.carriers = 0
    await chat.send("русский")
    await chat.send("да")  # consent in an ordinary word
    await chat.send("Аламедин")
    await chat.send("2")
    await chat.send("нет воды")  # the category, in words that name it
    assert "Кратко опишите проблему" in chat.text
    await chat.photo("Нет воды третий день")  # the photo carries the text: straight to the check
    assert "Проверьте ваше обращение" in chat.text and "Питьевая вода" in chat.text and "1 фото" in chat.text
    await chat.location(42.90, 74.62)
    await chat.press("Отправить")
    assert "ALM-2026-000001" in chat.text and "4 декабря 2026" in chat.text
    assert chat.answers == 7 + 1 and chat.carriers == 2  # seven answers (the photo carried the text) and the pin


async def test_returning_resident_in_three_answers_with_voice_and_the_same_place(core, db):
    chat = Chat(core, db, "console:ivan")
    await onboard(chat, language="Русский", quarter="2")
    await chat.press("Подать обращение")
    await chat.send("3")  # the third category, by its number: garbage
    await chat.voice()  # a voice note is a description
    assert "Голосовое сообщение сохранено" in chat.text and "1 голосовое сообщение" in chat.text
    await chat.press("Место")
    await chat.send("ул. Ленина 5, возле школы")
    assert "Адрес: ул. Ленина 5" in chat.text
    await chat.press("Отправить")
    assert "ALM-2026-000001" in chat.text

    await chat.send("/start")
    chat.answers = chat.carriers = 0
    await chat.send("У школы опять большая проблема")  # names no category: it is asked
    assert "Выберите категорию" in chat.text
    await chat.send("мусор")
    assert "Проверьте ваше обращение" in chat.text and "Вывоз мусора" in chat.text
    assert "Место: рядом с вашим домом" in chat.text
    await chat.press("Отправить")
    assert "ALM-2026-000002" in chat.text and chat.answers == 3

    await chat.send("Опять не вывезли мусор у школы")  # the place of the last request, offered again
    await chat.press("Место")
    assert "📍 То же место: ул. Ленина 5, возле школы" in chat.labels()
    await chat.press("То же место")
    assert "Адрес: ул. Ленина 5, возле школы" in chat.text
    await chat.press("✏️ Описание")
    await chat.send("Мусор не вывозят неделю")
    assert "Описание: Мусор не вывозят неделю" in chat.text
    await chat.press("Отправить")
    async with db.reader() as session:
        requests = (await session.scalars(sa.select(Request).order_by(Request.id))).all()
        assert [r.address_text for r in requests] == ["ул. Ленина 5, возле школы", None, "ул. Ленина 5, возле школы"]
        assert requests[2].description == "Мусор не вывозят неделю"


async def test_ordinary_words_answer_a_choice_and_an_ambiguous_one_gets_the_options_again(core, db):
    chat = Chat(core, db, "console:words")
    await chat.send("/start")
    await chat.send("кыргызчя")  # a typo
    assert "Макулсузбу?" in chat.text
    await chat.send("ооба жок")
    assert "бир нече вариантка туура келет" in chat.text and chat.labels() == ["Макулмун", "Жок"]
    await chat.send("макул")
    assert "Кайсы айылда жашайсыз?" in chat.text


async def test_a_declined_consent_is_answered_in_words_too(core, db):
    chat = Chat(core, db, "console:later")
    await chat.send("/start")
    await chat.send("русский")
    await chat.send("нет")
    assert "ничего о вас не сохранили" in chat.text
    assert "Чтобы продолжить, прочитайте условия" in chat.text and "нажмите" not in chat.text
    await chat.send("согласна")
    assert "Вы согласны?" in chat.text


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


async def test_my_requests_shows_a_request_whole_and_sends_its_photos_again(core, db):
    chat = Chat(core, db, "console:whole")
    await onboard(chat, language="Кыргызча")
    await chat.press("Кайрылуу жөнөтүү")
    await chat.send("1")
    await chat.photo("Көчөдө суу агып жатат")
    await chat.location(42.9, 74.62)
    await chat.press("Жөнөтүү")
    await chat.send("/my")
    await chat.press("ALM-2026-000001")
    for line in ("Маселенин түрү: 💧 Ичүүчү суу", "Жооптуу: «Ичүүчү суу» муниципалдык ишканасы",
                 "Картада: https://www.openstreetmap.org/?mlat=42.90000&mlon=74.62000", "1 сүрөт",
                 "Көйгөй: Көчөдө суу агып жатат"):
        assert line in chat.text
    assert "Жооп берүү мөөнөтү: " in chat.text
    await chat.press("🖼")
    shown = [r for r in chat._last_batch if r.get("photo")]
    assert len(shown) == 1 and shown[0]["photo"]["ref"].startswith("photo-")
    assert "Маселенин түрү" in chat.last["text"]  # and the request again, with its options
