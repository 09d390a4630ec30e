"""Several Telegram bots in one process (one per municipality): each is polled, answers its
own residents, and has its own rate limit lane in the delivery worker."""

from bot.telegram.adapter import telegram_tokens
from handlers.services import setup
from main import build_service
from settings import Settings
from tests.conftest import TELEGRAM_TOKEN
from tests.telegram_user import TelegramUser

SECOND_TOKEN = "654321:TEST-second-municipality"


async def test_two_bots_in_one_process_each_answer_their_own_residents(db_url, fake_api):
    fake_api.add_bot(SECOND_TOKEN, username="kairyl_second_bot")
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=TELEGRAM_TOKEN,
                        telegram_bots={"TKM": SECOND_TOKEN, "ALM": TELEGRAM_TOKEN}, telegram_api_url=fake_api.base_url,
                        http_port=0, telegram_per_chat_interval=0.0)
    assert telegram_tokens(settings) == [TELEGRAM_TOKEN, SECOND_TOKEN]  # the same token is one bot
    service = await build_service(settings)
    await service.start()
    try:
        assert sorted(service.worker.senders["telegram"].bots) == [123456, 654321]
        assert sorted(service.worker.senders["telegram"].lanes()) == ["telegram:123456:", "telegram:654321:"]
        first = TelegramUser(fake_api.bot(TELEGRAM_TOKEN), chat_id=7001)
        second = TelegramUser(fake_api.bot(SECOND_TOKEN), chat_id=7002)
        assert "Тилди тандаңыз" in (await first.say("/start")).text
        assert "Тилди тандаңыз" in (await second.say("/start")).text
        assert fake_api.bot(TELEGRAM_TOKEN).sent_to(7002) == [] and fake_api.bot(SECOND_TOKEN).sent_to(7001) == []
    finally:
        await service.stop()


async def test_a_bot_of_one_municipality_does_not_ask_its_residents_which(db_url, fake_api):
    fake_api.add_bot(SECOND_TOKEN, username="kairyl_tokmok_bot")
    settings = Settings(_env_file=None, database_url=db_url, telegram_bot_token=TELEGRAM_TOKEN,
                        telegram_bots={"tkm": SECOND_TOKEN}, telegram_api_url=fake_api.base_url,
                        http_port=0, telegram_per_chat_interval=0.0)
    service = await build_service(settings)
    async with service.db.transaction() as session:
        tokmok = await setup.do_create_municipality(session, "TKM", "Токмок шаардык мэриясы", "Мэрия города Токмок")
        for name in ("Токмок", "Кызыл-Туу"):
            village = await setup.do_add_village(session, tokmok, name, name)
            await setup.do_add_quarter(session, village, "1-квартал", "Квартал №1", 1)
    await service.start()
    try:
        general = TelegramUser(fake_api.bot(TELEGRAM_TOKEN), chat_id=7003)  # the bot of no one municipality
        await general.say("/start")
        await general.press("Русский")
        asked = await general.press("Согласен")
        assert "В каком муниципалитете вы живёте?" in asked.text
        assert "Мэрия города Токмок" in [b["text"] for b in general.buttons()]
        resident = TelegramUser(fake_api.bot(SECOND_TOKEN), chat_id=7004)  # Tokmok's own bot
        await resident.say("/start")
        await resident.press("Русский")
        asked = await resident.press("Согласен")
        assert "В каком селе вы живёте?" in asked.text
        assert [b["text"] for b in resident.buttons() if "Токмок" in b["text"] or "Кызыл" in b["text"]] == \
            ["Токмок", "Кызыл-Туу"]
        done = await resident.press("Кызыл-Туу")  # its one quarter is not asked either
        assert "Квартал №1, Кызыл-Туу, Мэрия города Токмок" in done.text
    finally:
        await service.stop()
