"""Useful numbers, driven as people use them: a resident opens them from the main menu, with
/numbers or a word, in Kyrgyz and Russian, through the conversation core, on Telegram and on
WhatsApp; staff keep a municipality's list with `main.py admin numbers …`."""

import pytest
import sqlalchemy as sa

from handlers.conversation import ConversationCore
from handlers.envelope import InputKind
from handlers.numbers.models import UsefulNumber
from handlers.numbers.services import NumberInput, do_add_number
from handlers.services import setup
from storage.db import Database
from tests.conftest import TELEGRAM_TOKEN
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.running import twilio, whatsapp_service  # noqa: F401 - fixtures
from tests.telegram_user import TelegramUser
from tests.test_admin_and_console import admin  # noqa: F401  (a fixture: runs `main.py admin …` in-process)
from tests.test_telegram_e2e import service  # noqa: F401 - a fixture
from tests.test_whatsapp_e2e import user_of

RECEPTION = NumberInput("Айыл өкмөтүнүн кабыл алуу бөлмөсү", "Приёмная айыл окмоту", "+996 312 60 12 34",
                        "Дүйшөмбү–Жума, 8:00–17:00", "Пн–Пт, 8:00–17:00")
WATER = NumberInput("Ичүүчү суу ишканасынын диспетчери", "Диспетчер предприятия питьевой воды", "0555 12-34-56",
                    "күнү-түнү", "круглосуточно")
HOSPITAL = NumberInput("Райондук оорукана", "Районная больница", "(03134) 2-11-03")

NATIONAL_KY = ["101 — Өрт өчүрүү кызматы", "102 — Милиция", "103 — Тез жардам", "104 — Газ авариялык кызматы"]
NATIONAL_RU = ["101 — Пожарная служба", "102 — Милиция", "103 — Скорая помощь", "104 — Аварийная газовая служба"]
OWN_KY = ["Айыл өкмөтүнүн кабыл алуу бөлмөсү: +996 312 60 12 34 (Дүйшөмбү–Жума, 8:00–17:00)",
          "Ичүүчү суу ишканасынын диспетчери: 0555 12-34-56 (күнү-түнү)",
          "Райондук оорукана: (03134) 2-11-03"]
OWN_RU = ["Приёмная айыл окмоту: +996 312 60 12 34 (Пн–Пт, 8:00–17:00)",
          "Диспетчер предприятия питьевой воды: 0555 12-34-56 (круглосуточно)",
          "Районная больница: (03134) 2-11-03"]
EMPTY_KY = "Муниципалитетиңиздин номерлери азырынча кошула элек. Шашылыш учурда жогорудагы номерлерге чалыңыз."
EMPTY_RU = "Номера вашего муниципалитета сюда пока не добавлены. В экстренном случае звоните по номерам выше."


async def add_alamudun_numbers(db: Database) -> None:
    """ALM's numbers as staff would keep them (the reception added last, put first with a position),
    and a neighbouring town with a number of its own."""
    async with db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        await do_add_number(session, alm, WATER)
        await do_add_number(session, alm, HOSPITAL)
        await do_add_number(session, alm, RECEPTION, position=1)
        other = await setup.do_create_municipality(session, "TKM", "Токмок шаардык мэриясы", "Мэрия Токмока")
        await do_add_number(session, other, NumberInput("Токмок мэриясы", "Мэрия Токмока", "+996 3138 5 00 00"))


def lines_in_order(text: str, expected: list[str]) -> bool:
    lines = text.splitlines()
    return all(line in lines for line in expected) and [lines.index(x) for x in expected] == sorted(
        lines.index(x) for x in expected)


# -- through the conversation core --------------------------------------------------------------
async def test_kyrgyz_menu_command_and_word_show_the_numbers_then_the_main_menu(db):
    await add_alamudun_numbers(db)
    chat = Chat(ConversationCore(db, core_config()), db, "console:ky")
    await onboard(chat, language="Кыргызча")
    labels = chat.labels()
    assert labels[-1] == "📞 Пайдалуу номерлер" and labels.index("⚖️ Юридикалык жардам") < len(labels) - 1

    for open_it in (lambda: chat.press("Пайдалуу номерлер"), lambda: chat.send("/numbers"),
                    lambda: chat.send("Номерлер")):
        await open_it()
        text = chat.text
        assert text.startswith("📞 Пайдалуу номерлер\n\nШашылыш кызматтар (Кыргызстандын бардык жеринде бирдей):")
        assert lines_in_order(text, NATIONAL_KY + ["Аламүдүн айыл өкмөтү:"] + OWN_KY)
        assert "Токмок" not in text and EMPTY_KY not in text  # another municipality's numbers stay there
        assert chat.labels() == ["◀ Башкы меню"]
        await chat.press("Башкы меню")
        assert "Башкы меню. Эмне кылгыңыз келет?" in chat.text

    await chat.send("/help")
    assert "/numbers: шашылыш жана коммуналдык кызматтардын номерлери" in chat.text


async def test_russian_word_and_command_show_the_numbers_in_russian(db):
    await add_alamudun_numbers(db)
    chat = Chat(ConversationCore(db, core_config()), db, "console:ru")
    await onboard(chat)
    assert chat.labels()[-1] == "📞 Полезные номера"
    for word in ("телефоны", "Номера!", "/numbers"):
        await chat.send(word)
        assert chat.text.startswith("📞 Полезные номера\n\nЭкстренные службы (едины для всего Кыргызстана):")
        assert lines_in_order(chat.text, NATIONAL_RU + ["Аламудунский айыл окмоту:"] + OWN_RU)
        await chat.send("1")  # the only option, by its number, as on a phone without buttons
        assert "Главное меню. Что вы хотите сделать?" in chat.text
    await chat.send("/help")
    assert "/numbers: телефоны экстренных и коммунальных служб" in chat.text


@pytest.mark.parametrize("language, label, national, empty", [
    ("Кыргызча", "Пайдалуу номерлер", NATIONAL_KY, EMPTY_KY),
    ("Русский", "Полезные номера", NATIONAL_RU, EMPTY_RU),
])
async def test_a_municipality_without_own_numbers_says_so_politely(db, language, label, national, empty):
    chat = Chat(ConversationCore(db, core_config()), db, f"console:empty-{language}")
    await onboard(chat, language=language)
    await chat.press(label)
    assert lines_in_order(chat.text, national) and chat.text.endswith(empty)
    assert len(chat.text) < 600  # one short message on a small screen


async def test_anything_else_gets_a_hint_and_the_numbers_again(db):
    chat = Chat(ConversationCore(db, core_config()), db, "console:sticker")
    await onboard(chat, language="Кыргызча")
    await chat.press("Пайдалуу номерлер")
    await chat.send(kind=InputKind.STICKER)
    assert chat.text.startswith("Стикерлер жакшы, бирок мен аларды окуй албайм. Төмөнкү варианттардын бирин тандаңыз.")
    assert "103 — Тез жардам" in chat.text and chat.labels() == ["◀ Башкы меню"]
    await chat.send("салам")
    assert chat.text.startswith("Жообуңузду түшүнгөн жокмун.") and chat.labels() == ["◀ Башкы меню"]
    await chat.send("7")
    assert chat.text.startswith("Мындай номердеги вариант жок. 1 – 1 аралыгындагы санды жөнөтүңүз.")
    await chat.press("Башкы меню")
    assert "Башкы меню." in chat.text


# -- end to end on the messengers ---------------------------------------------------------------
async def test_on_telegram_in_russian(service, fake_api):
    await add_alamudun_numbers(service.db)
    user = TelegramUser(fake_api.bot(TELEGRAM_TOKEN), chat_id=5301)
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Аламудунский айыл окмоту")  # two municipalities: ALM and TKM
    await user.press("Аламедин")
    await user.say("1")  # a new resident lands on the categories; the main menu is one press away
    menu = await user.press("Главное меню")
    assert [b["text"] for b in user.buttons(menu)][-1] == "📞 Полезные номера"
    shown = await user.press("Полезные номера")
    assert lines_in_order(shown.text, NATIONAL_RU + OWN_RU)
    assert [b["text"] for b in user.buttons()] == ["◀ Главное меню"]
    assert "Главное меню" in (await user.press("Главное меню")).text
    assert lines_in_order((await user.say("номера")).text, NATIONAL_RU + OWN_RU)


async def test_on_whatsapp_in_kyrgyz(whatsapp_service, twilio):  # noqa: F811
    await add_alamudun_numbers(whatsapp_service.db)
    user = user_of(whatsapp_service, twilio, "+996700555666")
    await user.say("Салам")
    await user.choose("Кыргызча")
    await user.choose("Макулмун")
    await user.choose("Аламүдүн айыл өкмөтү")  # two municipalities: ALM and TKM
    await user.choose("Аламүдүн")
    await user.say("2")
    shown = await user.say("номерлер")
    assert lines_in_order(shown["body"], NATIONAL_KY + OWN_KY)
    assert "\n\n1. ◀ Башкы меню\n" in shown["body"] and "\n2. " not in shown["body"]  # one way out
    assert "Башкы меню" in (await user.choose("Башкы меню"))["body"]
    shown = await user.choose("Пайдалуу номерлер")
    assert lines_in_order(shown["body"], NATIONAL_KY + OWN_KY)


# -- staff: the admin command line --------------------------------------------------------------
async def stored(db: Database, code: str = "ALM") -> list[tuple[int, str, str]]:
    async with db.reader() as session:
        alm = await setup.municipality_by_code(session, code)
        rows = (await session.scalars(sa.select(UsefulNumber).where(UsefulNumber.municipality_id == alm.id)
                                      .order_by(UsefulNumber.position))).all()
    return [(row.position, row.name_ru, row.phone) for row in rows]


async def test_staff_add_list_and_remove_numbers(admin, db):  # noqa: F811
    assert await admin("numbers", "list", "ALM") == (0, "ALM: no useful numbers yet\n")
    code, out = await admin("numbers", "add", "alm", "--ky", "Суу диспетчери", "--ru", "Диспетчер водоканала",
                            "--phone", "+996 312 12 34 56", "--note-ky", "күнү-түнү", "--note-ru", "круглосуточно")
    assert code == 0 and out.startswith("ALM: added #") and "+996 312 12 34 56" in out
    water_id = out.split("#")[1].split()[0]
    code, out = await admin("numbers", "add", "ALM", "--ky", "Кабыл алуу бөлмөсү", "--ru", "Приёмная",
                            "--phone", "0312 60-12-34", "--position", "1")
    assert code == 0
    code, out = await admin("numbers", "list", "ALM")
    assert code == 0 and out.splitlines()[0] == "ALM: 2 useful number(s)"
    assert "[1] 0312 60-12-34: Кабыл алуу бөлмөсү / Приёмная" in out.splitlines()[1]
    assert f"#{water_id} [2] +996 312 12 34 56: Суу диспетчери / Диспетчер водоканала (күнү-түнү / круглосуточно)" \
        == out.splitlines()[2]

    code, out = await admin("numbers", "remove", "ALM", water_id)
    assert code == 0 and out.startswith(f"ALM: removed #{water_id}")
    assert await stored(db) == [(1, "Приёмная", "0312 60-12-34")]


LONG = "ы" * 81


@pytest.mark.parametrize("extra, message", [
    (("--ky", " ", "--ru", "Скорая", "--phone", "103"), "the name in Kyrgyz (--ky) is required"),
    (("--ky", "Тез жардам", "--ru", "", "--phone", "103"), "the name in Russian (--ru) is required"),
    (("--ky", LONG, "--ru", "Скорая", "--phone", "103"), "the name in Kyrgyz (--ky) is at most 80 characters"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "103", "--note-ky", "x", "--note-ru", LONG),
     "the note in Russian (--note-ru) is at most 80 characters"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "10"), "a phone has 3 to 15 digits, not 2"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "+996 312 123 456 789 01"), "a phone has 3 to 15 digits, not 17"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "103 доб. 5"), "a phone is digits with an optional leading +"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "312+996"), "a phone is digits with an optional leading +"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "103", "--note-ky", "күнү-түнү"),
     "give the note in both languages (--note-ky and --note-ru) or in none"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "103", "--position", "3"), "a position is from 1 to 2, not 3"),
    (("--ky", "Тез", "--ru", "Скорая", "--phone", "0312 12-34-56"),
     "ALM already has +996 312 12 34 56"),  # the same number written the local way
])
async def test_bad_input_is_refused_with_its_reason_and_changes_nothing(admin, db, extra, message):  # noqa: F811
    assert (await admin("numbers", "add", "ALM", "--ky", "Суу", "--ru", "Вода", "--phone", "+996 312 12 34 56"))[0] == 0
    code, out = await admin("numbers", "add", "ALM", *extra)
    assert code == 2 and out.startswith("error: ") and message in out
    assert await stored(db) == [(1, "Вода", "+996 312 12 34 56")]


async def test_another_municipalitys_number_cannot_be_removed_through_this_one(admin, db):  # noqa: F811
    await admin("municipality", "add", "TKM", "--ky", "Токмок шаардык мэриясы", "--ru", "Мэрия Токмока")
    code, out = await admin("numbers", "add", "TKM", "--ky", "Мэрия", "--ru", "Мэрия", "--phone", "+996 312 12 34 56")
    assert code == 0
    tokmok_id = out.split("#")[1].split()[0]
    # the same number in another municipality is not a duplicate
    assert (await admin("numbers", "add", "ALM", "--ky", "Суу", "--ru", "Вода", "--phone", "+996 312 12 34 56"))[0] == 0

    code, out = await admin("numbers", "remove", "ALM", tokmok_id)
    assert code == 2 and out == f"error: no useful number #{tokmok_id} in ALM\n"
    assert await stored(db, "TKM") == [(1, "Мэрия", "+996 312 12 34 56")]
    assert (await admin("numbers", "remove", "XYZ", tokmok_id)) == (2, "error: no municipality with code 'XYZ'\n")
