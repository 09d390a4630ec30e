"""The weekly digest: residents opt in and out from the menu (the core, Telegram, WhatsApp), off by
default; on Monday morning the past week's figures go to those who asked, in their language, and to
the municipality's public Telegram channel; once a week, never on another day."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from handlers.config import BISHKEK
from handlers.conversation import ConversationCore
from handlers.i18n import format_date
from handlers.services import setup
from handlers.transparency.models import DigestSubscription
from handlers.transparency.settings import do_set_channel
from handlers.transparency.weekly import WeeklyDigest
from storage.db import Database
from storage.enums import Language
from storage.models import OutboxMessage
from tests.conftest import TELEGRAM_TOKEN
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.public_world import build_public_world
from tests.running import twilio, whatsapp_service  # noqa: F401 - fixtures
from tests.telegram_user import TelegramUser
from tests.test_telegram_e2e import service  # noqa: F401 - a fixture
from tests.test_whatsapp_e2e import user_of

WORLD_NOW = datetime(2026, 11, 29, 12, 0, tzinfo=BISHKEK)
"""A Sunday: the world's four ALM requests fall in the week of 23–29 November."""
MONDAY = datetime(2026, 11, 30, 9, 30, tzinfo=BISHKEK)
CHANNEL = "telegram:123456:-1001234567890"


def expected(language: Language) -> str:
    start, end = format_date(date(2026, 11, 23), language), format_date(date(2026, 11, 29), language)
    if language == Language.KY:
        return (f"📊 Аламүдүн айыл өкмөтү: {start} – {end} аралыгындагы жума\nЖаңы кайрылуулар: 4\n"
                "Жооп берилди: 2, анын ичинде мыйзамдагы мөөнөттө: 2\nАзыр каралып жатат: 2\n"
                "Эң көп кайрылышкан маселе: 💧 Ичүүчү суу (2)")
    return (f"📊 Аламудунский айыл окмоту: неделя {start} – {end}\nНовых обращений: 4\n"
            "Дан ответ: 2, из них в срок по закону: 2\nСейчас в работе: 2\n"
            "Чаще всего обращались: 💧 Питьевая вода (2)")


async def subscribed(db: Database) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(DigestSubscription))


async def outbox_to(db: Database, address: str) -> list[dict]:
    async with db.reader() as session:
        rows = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == address)
                                      .order_by(OutboxMessage.id))).all()
    return [row.payload for row in rows]


async def test_the_monday_digest_reaches_who_asked_in_their_language_and_the_channel_once(db):
    await build_public_world(db, WORLD_NOW)
    async with db.transaction() as session:
        await do_set_channel(session, await setup.municipality_by_code(session, "ALM"), CHANNEL)
    core = ConversationCore(db, core_config())
    kyrgyz, russian, silent = (Chat(core, db, f"console:{name}") for name in ("weekly-ky", "weekly-ru", "quiet"))
    await onboard(kyrgyz, language="Кыргызча")
    await onboard(russian)
    await onboard(silent)
    await kyrgyz.press("Апталык сандар")
    assert "Азыр Сиз аны албайсыз." in kyrgyz.text and kyrgyz.labels() == ["Кабыл алуу", "◀ Башкы меню"]
    await kyrgyz.press("Кабыл алуу")
    assert "Даяр: апталык сандар ар дүйшөмбү күнү эртең менен келет." in kyrgyz.text
    await russian.send("/weekly")
    assert "Сейчас Вы его не получаете." in russian.text
    await russian.send("1")  # «Получать», by its number
    assert "Готово: итоги недели будут приходить по понедельникам утром." in russian.text
    await silent.send("итоги недели")
    await silent.press("Главное меню")
    assert await subscribed(db) == 2

    for wrong_day in (MONDAY - timedelta(hours=1), MONDAY + timedelta(days=1)):
        assert await WeeklyDigest(db, core_config(), clock=lambda moment=wrong_day: moment).send() is None
    digest = WeeklyDigest(db, core_config(), clock=lambda: MONDAY)
    assert await digest.send() == 3
    assert [r["text"] for r in await kyrgyz.receive()] == [expected(Language.KY)]
    russian_rows = await russian.receive()
    assert [r["text"] for r in russian_rows] == [expected(Language.RU)]
    assert russian_rows[0]["template"]["key"] == "broadcast"  # WhatsApp outside its window: the announcements'
    assert await silent.receive() == []
    assert [r["text"] for r in await outbox_to(db, CHANNEL)] == [expected(Language.KY) + "\n\n" + expected(Language.RU)]
    assert await digest.send() is None  # the week is claimed: a restart sends nothing twice
    assert await kyrgyz.receive() == []

    await kyrgyz.send("/weekly")
    assert "Азыр Сиз аны аласыз." in kyrgyz.text and kyrgyz.labels() == ["Токтотуу", "◀ Башкы меню"]
    await kyrgyz.press("Токтотуу")
    assert "Даяр: апталык сандар мындан ары келбейт." in kyrgyz.text
    assert await subscribed(db) == 1
    next_week = WeeklyDigest(db, core_config(), clock=lambda: MONDAY + timedelta(days=7))
    assert await next_week.send() == 2  # the Russian resident and the channel
    assert await kyrgyz.receive() == []


async def test_opt_in_and_out_on_telegram_and_the_digest_arrives(service, fake_api):
    await build_public_world(service.db, WORLD_NOW)
    bot = fake_api.bot(TELEGRAM_TOKEN)
    user = TelegramUser(bot, chat_id=5401)
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Аламудунский айыл окмоту")  # two municipalities: ALM and TKM
    await user.press("Аламедин")
    await user.say("1")  # the quarter; the categories of a new request are offered first
    menu = await user.press("Главное меню")
    assert "📊 Итоги недели" in [b["text"] for b in user.buttons(menu)]
    shown = await user.press("Итоги недели")
    assert "Сейчас Вы его не получаете." in shown.text
    assert [b["text"] for b in user.buttons()] == ["Получать", "◀ Главное меню"]
    await user.press("Получать")
    assert "Готово: итоги недели будут приходить по понедельникам утром." in user.last.text
    assert await subscribed(service.db) == 1

    before = len(bot.sent_to(5401))
    digest = WeeklyDigest(service.db, service.core.config, clock=lambda: MONDAY,
                          on_outbox=service.worker.wake)
    assert await digest.send() == 1
    arrived = await bot.wait_sent(5401, before + 1)
    assert arrived[-1].text == expected(Language.RU)

    await user.say("/weekly")
    assert "Сейчас Вы его получаете." in user.last.text
    await user.press("Не получать")
    assert "Готово: итоги недели больше не будут приходить." in user.last.text
    assert await subscribed(service.db) == 0


async def test_opt_in_and_out_on_whatsapp_in_kyrgyz(whatsapp_service, twilio):  # noqa: F811
    await build_public_world(whatsapp_service.db, WORLD_NOW)
    user = user_of(whatsapp_service, twilio, "+996700555777")
    await user.say("Салам")
    await user.choose("Кыргызча")
    await user.choose("Макулмун")
    await user.choose("Аламүдүн айыл өкмөтү")
    await user.choose("Аламүдүн")
    await user.say("2")  # the quarter; the categories of a new request are offered first
    await user.choose("Башкы меню")
    shown = await user.choose("Апталык сандар")
    assert "Азыр Сиз аны албайсыз." in shown["body"] and "\n1. Кабыл алуу\n2. ◀ Башкы меню" in shown["body"]
    await user.say("1")
    assert any("Даяр: апталык сандар ар дүйшөмбү күнү эртең менен келет." in (m["body"] or "")
               for m in twilio.sent_to(user.phone))
    assert await subscribed(whatsapp_service.db) == 1

    before = len(twilio.sent_to(user.phone))
    digest = WeeklyDigest(whatsapp_service.db, whatsapp_service.core.config, clock=lambda: MONDAY,
                          on_outbox=whatsapp_service.worker.wake)
    assert await digest.send() == 1
    arrived = await twilio.wait_sent(user.phone, before + 1)
    assert arrived[-1]["body"] == expected(Language.KY)

    await user.say("апталык сандар")
    await user.choose("Токтотуу")
    assert any("Даяр: апталык сандар мындан ары келбейт." in (m["body"] or "") for m in twilio.sent_to(user.phone))
    assert await subscribed(whatsapp_service.db) == 0
