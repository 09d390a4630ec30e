"""The staff chat end to end: a department's Telegram group sees a resident's request as a
card, staff act on it with its buttons and by replying to the bot's prompts, the card
changes in place, the resident hears everything in their own chat, and a group member
without a role is refused and logged. Real Service, real aiogram, fake Bot API."""

import json

import pytest
import sqlalchemy as sa

from handlers.services import setup
from main import build_service
from storage.enums import AuditOutcome, IntakeStatus, Language, RequestStatus, Role
from storage.models import AuditEntry, Department, IntakeItem, Request
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.telegram_user import TelegramUser
from tests.test_admin_and_console import admin  # noqa: F401 - a fixture
from tests.test_telegram_e2e import settings_for
from tests.waiting import eventually

GROUP = -1001500
STAFF_ID, OUTSIDER_ID = 7001, 7002
STAFF = {"id": STAFF_ID, "first_name": "Айгуль", "last_name": "Суу"}
OUTSIDER = {"id": OUTSIDER_ID, "first_name": "Сосед"}


@pytest.fixture
async def service(db_url, fake_api):
    running = await build_service(settings_for(db_url, fake_api.base_url))
    bot_id = fake_api.bot(TOKEN).id
    async with running.db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        water = (await session.execute(sa.select(Department).where(
            Department.municipality_id == alm.id, Department.code == "water"))).scalar_one()
        water.staff_chat, water.staff_chat_language = f"telegram:{bot_id}:{GROUP}", Language.RU
        person = await setup.do_find_or_add_person(session, address=f"telegram:{bot_id}:{STAFF_ID}",
                                                   name="Айгуль Суу", language=Language.RU)
        await setup.do_grant_role(session, person, alm, Role.DEPARTMENT_STAFF, department=water)
    await running.start()
    yield running
    await running.stop()


class Group:
    """The staff group as its members see it in the fake Bot API."""

    def __init__(self, bot, chat_id: int = GROUP):
        self.bot, self.chat_id = bot, chat_id

    async def card(self):
        """The request's card (the group may first get the morning digest, sent when the service starts)."""
        async def cards():
            return [m for m in self.bot.sent_to(self.chat_id) if m.method == "sendMessage" and "📌" in (m.text or "")]
        return (await eventually(cards, "no card in the group"))[0]

    def press(self, message, label: str, user: dict) -> None:
        buttons = [row[0] for row in (message.reply_markup or {}).get("inline_keyboard", [])]
        matches = [b for b in buttons if label in b["text"]]
        assert matches, f"no button {label!r} in {[b['text'] for b in buttons]}"
        self.answered_before = len(self._answers())
        self.bot.push_update(self.bot.callback_update(self.chat_id, matches[0]["callback_data"],
                                                      message_id=message.message_id, user=user))

    def reply(self, message, text: str, user: dict) -> None:
        replied = self.bot.messages[(self.chat_id, message.message_id)]
        self.bot.push_update(self.bot.message_update(self.chat_id, text, user=user, reply_to_message=dict(replied)))

    def _answers(self) -> list[dict]:
        return [params for method, params in self.bot.calls if method == "answerCallbackQuery"]

    async def toast(self) -> str:
        """The short answer to the last press in the group."""
        answers = await eventually(lambda: self._answers()[self.answered_before:], "no answer to the press")
        return answers[0].get("text") or ""


async def start_request(user: TelegramUser, category: str) -> None:
    """A new resident in Russian, quarter 1 of Alamedin, who has chosen a category."""
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Аламедин")
    await user.say("1")  # then straight to the categories
    await user.press(category)


async def submit_on_telegram(user: TelegramUser, category: str = "Питьевая вода",
                             description: str = "Нет воды третий день, ул. Ленина") -> str:
    await start_request(user, category)
    await user.say(description)
    done = await user.press("Отправить")
    return done.text.split("номер: ")[1].split(".")[0]


async def test_card_take_answer_ask_and_resolve_from_the_group(service, fake_api, no_thread_hops):
    bot = fake_api.bot(TOKEN)
    group = Group(bot)
    resident = TelegramUser(bot, chat_id=5101)
    ticket = await submit_on_telegram(resident)

    card = await group.card()
    assert ticket in card.text and "Нет воды третий день" in card.text
    assert [row[0]["text"] for row in card.reply_markup["inline_keyboard"]][:2] == ["🙋 Взять", "✍️ Ответить"]

    # A resident who was added to the group presses Take: refused, answered, logged, nothing changes.
    group.press(card, "Взять", OUTSIDER)
    assert "Только сотрудники" in await group.toast()
    async with service.db.reader() as session:
        request = (await session.execute(sa.select(Request).where(Request.ticket == ticket))).scalar_one()
        refused = (await session.scalars(sa.select(AuditEntry).where(AuditEntry.outcome == AuditOutcome.REFUSED))).all()
    assert request.assignee_person_id is None and request.status == RequestStatus.RECEIVED
    assert [(r.via, json.dumps(r.detail)) for r in refused] == [
        ("staff_chat", json.dumps({"user": f"telegram:{bot.id}:{OUTSIDER_ID}", "what": refused[0].detail["what"],
                                   "reason": "no staff role"}))]

    # The staff member takes it: the card changes in place, the resident hears it.
    group.press(card, "Взять", STAFF)
    assert ticket in await group.toast()
    edits = await eventually(lambda: _edits(bot, card.message_id), "the card was not edited")
    assert "Айгуль Суу" in edits[-1].params["text"]
    await eventually(lambda: _contains(resident, "На рассмотрении"), "the resident was not told")

    # Answer: the bot asks for the text under the card; the reply to that prompt goes to the resident.
    group.press(card, "Ответить", STAFF)
    prompt = (await eventually(lambda: _prompts(bot), "no prompt"))[-1]
    assert prompt.reply_markup == {"force_reply": True} and ticket in prompt.text
    group.reply(prompt, "Бригада выехала, вода будет к вечеру.", STAFF)
    await eventually(lambda: _contains(resident, "Бригада выехала, вода будет к вечеру."), "no answer")
    confirmation = await eventually(lambda: _replies_to(bot, prompt.message_id), "no confirmation")
    assert "отправлен жителю" in confirmation[-1].text

    # Ask the resident: the question reaches them, their reply comes back under the card.
    group.press(card, "Спросить жителя", STAFF)
    prompt = (await eventually(lambda: _prompts(bot, 2), "no second prompt"))[-1]
    group.reply(prompt, "Какой номер дома?", STAFF)
    await eventually(lambda: _contains(resident, "Какой номер дома?"), "the question did not reach the resident")
    await resident.say("Дом 12")
    thread = await eventually(lambda: _replies_to(bot, card.message_id, "Дом 12"), "the reply is not under the card")
    assert "житель ответил" in thread[-1].text

    # Resolve from the card: the resident is asked to rate, the card loses its buttons.
    group.press(card, "Решено", STAFF)
    await eventually(lambda: _contains(resident, "Насколько вы довольны"), "no rating question")
    final = (await eventually(lambda: _edits(bot, card.message_id, "Решено"), "the card was not closed"))[-1]
    assert not (final.reply_markup or {}).get("inline_keyboard")


async def test_an_answer_too_long_for_a_message_is_refused_with_advice(service, fake_api):
    bot = fake_api.bot(TOKEN)
    group = Group(bot)
    resident = TelegramUser(bot, chat_id=5102)
    await submit_on_telegram(resident)
    group.press(await group.card(), "Ответить", STAFF)
    prompt = (await eventually(lambda: _prompts(bot), "no prompt"))[-1]
    before = len(bot.sent_to(resident.chat_id))
    group.reply(prompt, "очень длинный ответ " * 300, STAFF)
    advice = await eventually(lambda: _replies_to(bot, prompt.message_id), "no advice")
    assert "4" in advice[-1].text and "Не отправлено" in advice[-1].text
    assert len(bot.sent_to(resident.chat_id)) == before


def _param(message, key: str) -> dict:
    value = message.params.get(key) or {}
    return json.loads(value) if isinstance(value, str) else value


async def _edits(bot, message_id: int, containing: str = ""):
    return [m for m in bot.sent_to(GROUP) if m.method == "editMessageText" and m.message_id == message_id
            and containing in m.params.get("text", "")]


async def _prompts(bot, count: int = 1):
    found = [m for m in bot.sent_to(GROUP) if m.method == "sendMessage" and m.reply_markup == {"force_reply": True}]
    return found if len(found) >= count else None


async def _replies_to(bot, message_id: int, containing: str = ""):
    found = [m for m in bot.sent_to(GROUP) if m.method == "sendMessage" and containing in (m.text or "")
             and _param(m, "reply_parameters").get("message_id") == message_id]
    return found or None


async def _contains(user: TelegramUser, text: str) -> bool:
    return any(text in (m.text or "") for m in user.bot.sent_to(user.chat_id))


async def test_a_new_group_is_told_its_address_and_the_administrator_links_it(service, fake_api, admin):
    bot = fake_api.bot(TOKEN)
    new_group = -1001777
    bot.push_update(bot.my_chat_member_update(new_group, status="member", user=STAFF))
    hello = (await bot.wait_sent(new_group, 1))[0]
    address = f"telegram:{bot.id}:{new_group}"
    assert address in hello.text and "Саламатсызбы" in hello.text and "Здравствуйте" in hello.text
    # The update is closed once handled: left pending, the intake's next scan would take it up again
    # and post a new code, and the code shown first would stop working.
    await eventually(lambda: _all_updates_closed(service), "the bot's arrival in the group stays pending")

    code, said = await admin("department", "chat", "ALM", "roads", "telegram:1:12345")
    assert code != 0 and "Telegram" in said  # a private chat is not a staff group
    code, said = await admin("department", "chat", "ALM", "roads", address, "--language", "ru")
    assert code == 0 and address in said

    await submit_on_telegram(TelegramUser(bot, chat_id=5103), "Внутренние дороги", "Яма на дороге у школы")
    card = (await eventually(lambda: _cards_in(bot, new_group), "no card in the new group"))[-1]
    assert "Яма на дороге у школы" in card.text and "🙋 Взять" in str(card.reply_markup)


async def _all_updates_closed(service) -> bool:
    async with service.db.reader() as session:
        return not await session.scalar(sa.select(sa.func.count()).select_from(IntakeItem).where(
            IntakeItem.status != IntakeStatus.DONE))


async def _cards_in(bot, chat_id: int):
    return [m for m in bot.sent_to(chat_id) if "📌" in (m.text or "")]


async def test_the_photo_voice_and_map_pin_are_shown_under_the_card(service, fake_api):
    bot = fake_api.bot(TOKEN)
    resident = TelegramUser(bot, chat_id=5104)
    await start_request(resident, "Питьевая вода")
    await resident.send(bot.voice_update(5104))  # a voice note as the description
    await resident.photo()
    await resident.location(42.885, 74.64)
    await resident.press("Отправить")
    card = await Group(bot).card()

    async def under_card():
        found = {m.method for m in bot.sent_to(GROUP)
                 if _param(m, "reply_parameters").get("message_id") == card.message_id}
        return found if {"sendPhoto", "sendVoice", "sendLocation"} <= found else None

    await eventually(under_card, "the photo, voice note and map pin did not come under the card")
    pin = next(m for m in bot.sent_to(GROUP) if m.method == "sendLocation")
    assert (pin.params["latitude"], pin.params["longitude"]) == (42.885, 74.64)


async def test_an_album_posted_in_the_group_is_closed_whole(service, fake_api):
    """Photos a staff member posts together in the group: no handler takes them, and every part of the
    album is closed with the first (left pending, the intake's next scan would take each up again)."""
    bot = fake_api.bot(TOKEN)
    for _ in range(3):
        bot.push_update(bot.photo_update(GROUP, user=STAFF, media_group_id="staff-album"))

    async def closed() -> bool:
        async with service.db.reader() as session:
            statuses = (await session.scalars(sa.select(IntakeItem.status).where(
                IntakeItem.routing_key.endswith(f":{GROUP}")))).all()
        return statuses == [IntakeStatus.DONE] * 3
    await eventually(closed, "an album's photos in the group stay pending")
    assert await _all_updates_closed(service)
