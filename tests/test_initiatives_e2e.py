"""The whole cycle end to end: the real service with the fake Telegram Bot API and signed Twilio
webhooks. A coordinator and a resident on Telegram (Russian), a resident on WhatsApp (Kyrgyz):
join, approval, a group notice, a hearing's announcement, registration ("I will come" button,
"+" on WhatsApp), the reminder, proposals (a photo for the group, a text in Kyrgyz), outcomes,
and the report's figures checked against what happened."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.initiatives.desk import HearingDesk
from handlers.initiatives.reminders import HearingReminders
from main import build_service
from settings import Settings
from storage.enums import ProposalOutcome
from storage.models import Proposal
from storage.types import utcnow
from tests.broadcast_world import person_of
from tests.conftest import TELEGRAM_TOKEN
from tests.initiatives_world import add_group, budget_hearing, rows, staff_actor
from tests.telegram_user import TelegramUser
from tests.test_whatsapp_e2e import SID, twilio  # noqa: F401 (the fake Twilio fixture)
from tests.test_whatsapp_e2e import TOKEN as AUTH
from tests.whatsapp_user import WhatsAppUser

PHONE = "+996555765432"


@pytest.fixture
async def service(db_url, fake_api, twilio, unused_tcp_port):
    settings = Settings(_env_file=None, database_url=db_url, http_port=unused_tcp_port,
                        public_url=f"http://127.0.0.1:{unused_tcp_port}", twilio_account_sid=SID,
                        twilio_auth_token=AUTH, twilio_whatsapp_from="whatsapp:+996312000000",
                        twilio_api_url=twilio.base_url, twilio_content_url=twilio.base_url,
                        telegram_bot_token=TELEGRAM_TOKEN,
                        telegram_api_url=fake_api.base_url, telegram_per_chat_interval=0.0, quiet_hours="")
    running = await build_service(settings)
    await running.start()
    running.port = unused_tcp_port
    yield running
    await running.stop()


async def telegram_resident(bot, chat_id: int, quarter: str = "Квартал №3") -> TelegramUser:
    user = TelegramUser(bot, chat_id)
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Аламедин")
    await user.press(quarter)
    return user


async def _last(waiting, key: str | None = None):
    last = (await waiting)[-1]
    return last[key] if key else last


def next_to(bot, user: TelegramUser):
    """Awaits the next message the bot sends this chat unasked (a notice, a prompt, an outcome);
    counted from now, so call it before the action that causes the message."""
    return _last(bot.wait_sent(user.chat_id, len(bot.sent_to(user.chat_id)) + 1))


def next_on_whatsapp(twilio, phone: str):
    return _last(twilio.wait_sent(phone, len(twilio.sent_to(phone)) + 1), "body")


async def test_the_whole_cycle_on_telegram_and_whatsapp(service, fake_api, twilio):
    bot = fake_api.bot(TELEGRAM_TOKEN)
    coordinator = await telegram_resident(bot, 8101)
    coordinator_id = (await person_of(service.db, "telegram:123456:8101")).id
    youth = await add_group(service.db, "Жаштар демилгеси", coordinator_id, name_ky="Жаштар демилгеси")

    # join on Telegram, with the optional questions; the coordinator approves with a button
    aigul = await telegram_resident(bot, 8102)
    await aigul.say("/groups")
    await aigul.press("Жаштар")
    assert "только для статистики" in (await aigul.press("Вступить в группу")).text
    await aigul.press("Женщина")
    pending = next_to(bot, coordinator)
    assert "отправлена координатору" in (await aigul.press("30-44")).text
    prompt = await pending
    assert "просит принять в группу «Жаштар демилгеси»" in prompt.text
    told = next_to(bot, aigul)
    assert "Одобрено" in (await coordinator.press("✅")).text
    assert "одобрена" in (await told).text

    # join on WhatsApp, in Kyrgyz
    bakyt = WhatsAppUser(twilio, f"http://127.0.0.1:{service.port}/whatsapp/incoming", PHONE, profile_name="Бакыт")
    await bakyt.say("Салам")
    await bakyt.choose("Кыргызча")
    await bakyt.choose("Макулмун")
    await bakyt.choose("Аламүдүн")
    await bakyt.say("4")
    await bakyt.say("/groups")
    await bakyt.choose("Жаштар")
    await bakyt.choose("Топко кошулуу")
    await bakyt.choose("Эркек")
    pending = next_to(bot, coordinator)
    assert "координаторуна жөнөтүлдү" in (await bakyt.choose("45-59"))["body"]
    assert "Бакыт просит принять" in (await pending).text  # the WhatsApp profile name
    told = next_on_whatsapp(twilio, PHONE)
    await coordinator.press("✅")
    assert "өтүнүчүңүз ырасталды" in await told

    # the coordinator's notice reaches both members through the broadcasts
    await coordinator.say("/menu")
    await coordinator.press("Моя инициативная группа")
    await coordinator.press("Объявление для группы")
    notice_tg, notice_wa = next_to(bot, aigul), next_on_whatsapp(twilio, PHONE)  # counted before the notice
    await coordinator.say("Собрание группы в субботу в 10:00")  # exists: the scheduler's own run may send it
    await service.job("broadcasts").run()  # before this one (it did once, in a loaded full run)
    assert "Собрание группы в субботу" in (await notice_tg).text
    assert "Жаштар демилгеси" in await notice_wa

    # the head announces a budget hearing for the whole municipality
    desk = HearingDesk(service.db, service.core.config, on_outbox=service.worker.wake)
    head = await staff_actor(service.db, desk)
    starts = tomorrow_within_a_day(utcnow(), service.core.config.timezone)
    hearing_id = await desk.announce(head, budget_hearing(starts_at=starts))
    invitation_tg, invitation_wa = next_to(bot, aigul), next_on_whatsapp(twilio, PHONE)
    await service.job("broadcasts").run()
    invitation = await invitation_tg
    assert "Бюджет 2027" in invitation.text and "Приду" in invitation.reply_markup["inline_keyboard"][0][0]["text"]
    assert "Катталуу үчүн + деп жооп бериңиз" in await invitation_wa

    # registration: the button on Telegram, "+" on WhatsApp
    answer = next_to(bot, aigul)
    bot.push_update(bot.callback_update(aigul.chat_id, invitation.reply_markup["inline_keyboard"][0][0]["callback_data"],
                                        message_id=invitation.message_id))
    assert "Вы зарегистрированы на слушания «Бюджет 2027»" in (await answer).text
    answer = next_on_whatsapp(twilio, PHONE)
    assert await twilio.post_webhook(bakyt.webhook_url, twilio.inbound_form(PHONE, "+")) == 200
    assert "угуусуна катталдыңыз" in await answer

    # the reminder the day before (the scheduler's job, run now rather than in five minutes)
    reminders = HearingReminders(service.db, service.core.config, on_outbox=service.worker.wake)
    reminded_tg, reminded_wa = next_to(bot, aigul), next_on_whatsapp(twilio, PHONE)
    assert await reminders.remind() == 2 and await reminders.remind() == 0
    assert "Напоминание: завтра" in (await reminded_tg).text and "Эскертүү: эртең" in await reminded_wa

    # proposals: a photo for the group on Telegram, a text in Kyrgyz on WhatsApp
    await aigul.say("/hearings")
    await aigul.press("Бюджет 2027")
    await aigul.press("Отправить предложение")
    await aigul.press("Жаштар")
    assert "получено" in (await aigul.photo(caption="Освещение улицы к школе")).text
    await bakyt.say("/hearings")
    await bakyt.choose("Бюджет 2027")
    await bakyt.choose("Сунуш жөнөтүү")
    await bakyt.choose("Жаштар")
    assert "сунушуңуз катталды" in (await bakyt.say("Дамба куруу керек, суу каптайт"))["body"]

    # the hearing: a check-in, the counts at the door, the outcomes told in each author's language
    detail = await desk.detail(head, hearing_id)
    await desk.check_in(head, hearing_id, detail.registered[0].id)
    await desk.record_attendance(head, hearing_id, 83, 31, 11)
    await desk.close(head, hearing_id)
    photo_proposal, text_proposal = await rows(service.db, Proposal, hearing_id=hearing_id)
    assert photo_proposal.photo["channel"] == "telegram" and text_proposal.language == "ky"
    outcome_tg, outcome_wa = next_to(bot, aigul), next_on_whatsapp(twilio, PHONE)
    await desk.decide(head, hearing_id, photo_proposal.id, ProposalOutcome.PARTLY, "Первая очередь в 2027 году.", None)
    await desk.decide(head, hearing_id, text_proposal.id, ProposalOutcome.ACCEPTED, None, None)
    assert "принято частично. Первая очередь в 2027 году." in (await outcome_tg).text
    assert "кабыл алынды: ал бюджетке" in await outcome_wa

    [row], [year] = await desk.report(head)
    f = row.figures
    assert (f.participants, f.women, f.from_groups, f.registered, f.checked_in) == (83, 31, 11, 2, 1)
    assert (f.proposals, f.proposals_from_groups, f.accepted, f.partly, f.late) == (2, 2, 2, 1, 0)
    assert year.hearings == 1 and year.figures.proposals == 2
    assert photo_proposal.group_id == text_proposal.group_id == youth


def tomorrow_within_a_day(now: datetime, zone: ZoneInfo) -> datetime:
    """A start the day-before reminder calls «tomorrow» whatever the time of the run: on the next local
    day (at 10:00, or as late as 23 hours from now allow, or at its midnight) and within 24 hours. Now +
    20 h was «today» when the suite ran between midnight and 04:00 in Bishkek."""
    midnight = (now.astimezone(zone) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    latest = (now + timedelta(hours=23)).replace(second=0, microsecond=0)
    return max(midnight, min(midnight + timedelta(hours=10), latest))
