"""Legal consultations end to end on Telegram: a resident asks, the question's card appears in the
lawyers' group, a lawyer takes it, answers by replying to the bot's prompt, publishes the
anonymised answer, and the next resident who asks the same is shown it before anything is
queued. A group member without the lawyer role is refused and logged. Real Service, real
aiogram, fake Bot API."""

import pytest
import sqlalchemy as sa

from handlers.services import setup
from main import build_service
from storage.enums import AnswerStatus, AuditOutcome, Language, Role
from storage.models import AuditEntry, LegalAnswer
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.telegram_user import TelegramUser
from tests.test_staff_chat_e2e import Group
from tests.test_telegram_e2e import settings_for
from tests.waiting import eventually

GROUP = -1002600
LAWYER_ID, OUTSIDER_ID = 7101, 7102
LAWYER = {"id": LAWYER_ID, "first_name": "Бермет", "last_name": "Юрист"}
OUTSIDER = {"id": OUTSIDER_ID, "first_name": "Сосед"}
QUESTION = ("Можно ли выдавать жителям дрова для отопления школы со склада айыл окмоту зимой без решения кенеша? "
            "Мой телефон 0555 123 456.")
ANSWER = "Нет: муниципальное имущество передаётся только по решению айылного кенеша. Звоните Асанову Бакыту."


async def start_with_a_lawyer(db_url, fake_api, **settings):
    """The service with the lawyers' group and one lawyer in it (ALM)."""
    bot_id = fake_api.bot(TOKEN).id
    running = await build_service(settings_for(db_url, fake_api.base_url, lawyers_chat=f"telegram:{bot_id}:{GROUP}",
                                               **settings))
    async with running.db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        lawyer = await setup.do_find_or_add_person(session, address=f"telegram:{bot_id}:{LAWYER_ID}",
                                                   name="Бермет Юрист", language=Language.RU)
        await setup.do_grant_role(session, lawyer, alm, Role.LAWYER)
    await running.start()
    return running


@pytest.fixture
async def service(db_url, fake_api):
    running = await start_with_a_lawyer(db_url, fake_api)
    yield running
    await running.stop()


class LawyersGroup(Group):
    """The lawyers' group: the staff group's presses, replies and toasts, and any message by its words."""

    def __init__(self, bot):
        super().__init__(bot, GROUP)

    async def message(self, containing: str):
        async def found():
            return [m for m in self.bot.sent_to(GROUP) if m.method == "sendMessage" and containing in (m.text or "")]
        return (await eventually(found, f"no {containing!r} in the lawyers' group"))[-1]


async def onboard(user: TelegramUser) -> None:
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Аламедин")
    await user.say("1")
    await user.press("Главное меню")  # from the categories, where a new resident lands


async def ask(user: TelegramUser, text: str):
    await user.press("Юридическая помощь")
    await user.press("Задать вопрос")
    await user.press("Муниципальное имущество")
    return await user.say(text)


async def test_ask_answer_publish_and_the_next_asker_is_shown_it(service, fake_api):
    bot = fake_api.bot(TOKEN)
    group = LawyersGroup(bot)
    asker = TelegramUser(bot, chat_id=5201)
    await onboard(asker)
    shown = await ask(asker, QUESTION)
    if "Нет, отправить" in str(asker.buttons(shown)):
        await asker.press("Нет, отправить")
    done = await asker.press("Нет, не конфиденциально")
    assert "Ваш вопрос отправлен юристам" in bot.sent_to(5201)[-2].text + done.text

    card = await group.message("⚖️ Q-")
    assert "дрова" in card.text and "Аламудунский" in card.text
    group.press(card, "Взять", OUTSIDER)  # a group member who is not a lawyer
    assert "Это могут делать только юристы" in await group.toast()
    group.press(card, "Взять", LAWYER)
    assert "теперь ваш" in await group.toast()

    group.press(card, "Ответить", LAWYER)
    prompt = await group.message("ответьте на это сообщение ответом")
    assert prompt.reply_markup.get("force_reply")
    group.reply(prompt, ANSWER, LAWYER)

    async def answered():
        return [m for m in bot.sent_to(5201) if "Ответ юриста на ваш вопрос" in (m.text or "")]
    assert ANSWER in (await eventually(answered, "the asker got no answer"))[0].text

    offer = await group.message("Опубликовать его в базе")
    group.press(offer, "Опубликовать", LAWYER)
    draft = await group.message("в каком он будет опубликован")
    assert "Асанову" not in draft.text and "0555" not in draft.text and "[ФИО]" in draft.text
    group.press(draft, "Подтвердить и опубликовать", LAWYER)
    assert "Опубликовано" in await group.toast()
    async with service.db.reader() as session:
        published = (await session.scalars(sa.select(LegalAnswer).where(LegalAnswer.demo.is_(False)))).one()
        refused = (await session.scalars(sa.select(AuditEntry).where(
            AuditEntry.outcome == AuditOutcome.REFUSED, AuditEntry.via == "lawyers_chat"))).all()
    assert published.status == AnswerStatus.PUBLISHED and len(refused) == 1

    neighbour = TelegramUser(bot, chat_id=5202)
    await onboard(neighbour)
    suggested = await ask(neighbour, "можно ли выдать дрова для школы со склада айыл окмоту без решения кенеша")
    assert "Прежде чем отправить" in suggested.text and "только по решению айылного кенеша" in suggested.text


@pytest.fixture
async def kyrgyz_lawyers(db_url, fake_api):
    running = await start_with_a_lawyer(db_url, fake_api, lawyers_chat_language="ky")
    yield running
    await running.stop()


async def test_the_lawyers_chat_speaks_the_language_it_is_set_to(kyrgyz_lawyers, fake_api):
    """LAWYERS_CHAT_LANGUAGE=ky: cards, toasts and prompts in Kyrgyz, whatever the asker's language."""
    bot = fake_api.bot(TOKEN)
    group = LawyersGroup(bot)
    asker = TelegramUser(bot, chat_id=5203)
    await onboard(asker)  # a Russian speaker
    shown = await ask(asker, QUESTION)
    if "Нет, отправить" in str(asker.buttons(shown)):
        await asker.press("Нет, отправить")
    await asker.press("Нет, не конфиденциально")
    card = await group.message("⚖️ Q-")
    assert "Жооп берүү мөөнөтү" in card.text and "Answer due" not in card.text
    group.press(card, "Ишке алуу", OUTSIDER)
    assert "Муну юристтер гана кыла алат" in await group.toast()
    group.press(card, "Ишке алуу", LAWYER)
    assert "эми Сиздики" in await group.toast()
    group.press(card, "Жооп", LAWYER)
    prompt = await group.message("ушул билдирүүгө жооп катары жазыңыз")
    group.reply(prompt, ANSWER, LAWYER)

    async def answered():
        return [m for m in bot.sent_to(5203) if "Ответ юриста на ваш вопрос" in (m.text or "")]
    assert ANSWER in (await eventually(answered, "the asker got no answer"))[0].text  # the asker keeps Russian


async def test_a_question_the_base_cannot_answer_is_queued_with_the_no_ready_answer_text(service, fake_api):
    bot = fake_api.bot(TOKEN)
    group = LawyersGroup(bot)
    asker = TelegramUser(bot, chat_id=5204)
    await onboard(asker)
    before = len(bot.sent_to(5204))
    shown = await ask(asker, "Можно ли айыл окмоту сдать в субаренду пастбищный трактор соседнему району?")
    told = "\n".join(m.text or "" for m in bot.sent_to(5204)[before:])
    assert "нет готового ответа" in told and "Юрист ответит на него в установленный срок" in told
    assert not any("отвечает на мой вопрос" in b["text"] for b in asker.buttons(shown))
    done = await asker.press("Нет, не конфиденциально")
    assert "Ваш вопрос отправлен юристам" in bot.sent_to(5204)[-2].text + done.text
    assert "трактор" in (await group.message("⚖️ Q-")).text


async def test_a_question_with_an_answer_in_the_base_is_suggested_that_answer_only(service, fake_api):
    bot = fake_api.bot(TOKEN)
    asker = TelegramUser(bot, chat_id=5205)
    await onboard(asker)
    shown = await ask(asker, "Можно ли продать здание, которое принадлежит айыл окмоту?")
    assert "Прежде чем отправить" in shown.text and "только по решению айылного кенеша" in shown.text
    assert [b["text"] for b in asker.buttons(shown) if "отвечает на мой вопрос" in b["text"]] == [
        "✅ Ответ 1 отвечает на мой вопрос"]
    helped = await asker.press("Ответ 1 отвечает")
    assert "Рады, что это помогло" in "\n".join(m.text or "" for m in bot.sent_to(5205)[-3:]) + helped.text
