"""The administrator's command line and the console channel, driven as their users drive them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from backoffice.admin_cli import run_admin
from handlers.conversation import ConversationCore
from storage.db import Database
from storage.models import Department, Person, Request, RoleGrant
from tests.core_config import core_config
from tests.harness import Chat, onboard, submit_request

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def admin(db_url, capsys):
    """Runs `main.py admin …` in-process against the test database; returns (exit code, printed text):
    what it printed on stdout, or on stderr when it refused."""
    async def run(*argv: str) -> tuple[int, str]:
        code = await run_admin(list(argv), lambda: _open(db_url))
        printed = capsys.readouterr()
        return code, printed.out + printed.err

    return run


async def _open(url: str) -> Database:
    return Database(url)


async def test_an_administrator_sets_up_a_town_and_its_staff(admin, db):
    assert (await admin("municipality", "add", "tkm", "--ky", "Токмок шаардык мэриясы", "--ru", "Мэрия Токмока",
                        "--center", "42.84,75.29", "--radius", "8"))[1].startswith("municipality TKM added")
    code, out = await admin("village", "add", "TKM", "--ky", "Токмок", "--ru", "Токмок")
    village = out.split()[1]
    code, out = await admin("quarter", "add", "TKM", "--village", village, "--ky", "1-квартал", "--ru", "Квартал №1")
    quarter = out.split()[1]
    assert (await admin("department", "add", "TKM", "water", "--kind", "enterprise", "--ky", "Суу", "--ru", "Вода"))[0] == 0
    assert (await admin("category", "add", "TKM", "water", "--ky", "💧 Суу", "--ru", "💧 Вода", "--department", "water"))[0] == 0
    code, out = await admin("staff", "add", "TKM", "--role", "kvartalkom", "--quarter", quarter,
                            "--phone", "0555 12-34-56", "--name", "Бакыт")
    assert code == 0 and "kvartalkom in TKM" in out
    code, out = await admin("show", "TKM")
    assert "quarter" in out and "department water (enterprise)" in out and "category water: 💧 Суу" in out
    async with db.reader() as session:
        person = (await session.scalars(sa.select(Person).where(Person.display_name == "Бакыт"))).one()
        grant = (await session.scalars(sa.select(RoleGrant).where(RoleGrant.person_id == person.id))).one()
    assert person.phone == "+996555123456" and grant.role == "kvartalkom" and grant.quarter_id == int(quarter)


@pytest.mark.parametrize("argv, message", [
    (("category", "add", "ALM", "x", "--ky", "x", "--ru", "x", "--department", "nope"), "no department 'nope'"),
    (("staff", "add", "ALM", "--role", "kvartalkom", "--phone", "12345"), "not a Kyrgyz phone number"),
    (("staff", "add", "ALM", "--role", "department_staff", "--phone", "0700111222"), "department staff need"),
    (("quarter", "add", "ALM", "--village", "999", "--ky", "x", "--ru", "x"), "no village 999"),
    (("request", "status", "ALM", "ALM-2026-999999", "resolved"), "no request ALM-2026-999999"),
    (("show", "XYZ"), "no municipality with code 'XYZ'"),
    (("department", "chat", "ALM", "water", "whatsapp:1:-5"), "a staff chat is a Telegram group"),  # no groups there
    (("department", "chat", "ALM", "water", "telegram:123:456"), "a staff chat is a Telegram group"),  # a person
    (("department", "chat", "ALM", "water", "sms:123:-456"), "a staff chat is a Telegram group"),
])
async def test_mistakes_are_refused_with_a_reason_and_change_nothing(admin, db, argv, message):
    code, out = await admin(*argv)
    assert code == 2 and message in out and out.count("\n") == 1
    async with db.reader() as session:
        assert (await session.scalar(sa.select(sa.func.count()).select_from(Person))) == 0


async def test_a_department_is_linked_to_its_telegram_group_and_unlinked(admin, db):
    assert await admin("department", "chat", "ALM", "water", "telegram:123456:-1001234567890") == (
        0, "department water: staff chat telegram:123456:-1001234567890\n")
    async with db.reader() as session:
        water = (await session.scalars(sa.select(Department).where(Department.code == "water"))).first()
        assert water.staff_chat == "telegram:123456:-1001234567890"
    assert (await admin("department", "chat", "ALM", "water", "none"))[1] == "department water: staff chat unlinked\n"


async def test_a_quarter_route_sends_a_category_to_another_department(admin, db):
    await admin("route", "add", "ALM", "lighting", "--quarter", "3", "--department", "general")
    core = ConversationCore(db, core_config())
    for address, quarter in (("console:routed", "3"), ("console:default", "4")):
        chat = Chat(core, db, address)
        await onboard(chat, quarter=quarter)
        await chat.press("Подать обращение")
        await chat.press("Уличное освещение")
        await chat.send("Не горит фонарь")
        await chat.press("Отправить")
    async with db.reader() as session:
        rows = (await session.execute(sa.select(Request.quarter_id, Department.code)
                                      .join(Department, Department.id == Request.department_id)
                                      .order_by(Request.id))).all()
    assert [code for _, code in rows] == ["general", "lighting"]


async def test_status_and_answer_from_the_command_line_reach_the_resident(admin, db):
    core = ConversationCore(db, core_config())
    chat = Chat(core, db, "console:asker")
    await onboard(chat)
    await chat.press("Подать обращение")
    await chat.press("Вывоз мусора")
    await chat.send("Мусор не вывозят")
    await chat.press("Отправить")
    ticket = chat.text.split("номер: ")[1].split(".")[0]
    assert (await admin("request", "status", "ALM", ticket, "in_review", "--note", "Выехала бригада"))[0] == 0
    assert (await admin("request", "answer", "ALM", ticket, "Мусор вывезен."))[0] == 0
    replies = await chat._collect()
    assert f"Статус вашего обращения {ticket} изменён: «На рассмотрении»" in replies[0]["text"]
    assert "Выехала бригада" in replies[0]["text"] and "Мусор вывезен." in replies[1]["text"]


async def test_statuses_move_only_forward_and_resolving_from_the_command_line_offers_the_rating(admin, db):
    core = ConversationCore(db, core_config())
    chat = Chat(core, db, "console:forward")
    await onboard(chat)
    ticket = await submit_request(chat, "Мусор не вывозят", category="3")
    code, out = await admin("request", "status", "ALM", ticket, "received")
    assert code == 2 and "already received" in out
    assert (await admin("request", "status", "ALM", ticket, "in_review"))[0] == 0
    code, out = await admin("request", "status", "ALM", ticket, "received")
    assert code == 2 and "a in_review request cannot become received" in out
    assert (await admin("request", "status", "ALM", ticket, "resolved"))[0] == 0
    told = await chat._collect()
    assert [r["text"] for r in told if "«Решено»" in r["text"]]
    assert "Насколько вы довольны" in told[-1]["text"] and "5 ⭐⭐⭐⭐⭐" in chat.labels()  # the rating, offered
    assert (await admin("request", "status", "ALM", ticket, "in_review"))[0] == 0  # reopened: only from resolved
    assert (await admin("request", "status", "ALM", ticket, "rejected"))[0] == 0
    code, out = await admin("request", "status", "ALM", ticket, "in_review")
    assert code == 2 and "allowed: none: it is closed" in out
    async with db.reader() as session:
        assert (await session.scalars(sa.select(Request.status))).all() == ["rejected"]


async def test_a_duplicate_is_merged_from_the_command_line_and_both_residents_are_told(admin, db):
    core = ConversationCore(db, core_config())
    first, second = Chat(core, db, "console:first"), Chat(core, db, "console:second")
    await onboard(first)
    target = await submit_request(first, "Мусор не вывозят", category="3")
    await onboard(second, language="Кыргызча")
    duplicate = await submit_request(second, "Таштанды чыгарылбай жатат", category="3")
    code, out = await admin("request", "merge", "ALM", duplicate, duplicate)
    assert code == 2 and "cannot be merged into itself" in out and out.count("\n") == 1
    assert await admin("request", "merge", "ALM", duplicate, target) == (
        0, f"{duplicate} merged into {target}: 1 more resident(s) follow it; both sides will be told\n")
    assert f"Сиздин {duplicate} кайрылууңуз" in (await second._collect())[-1]["text"]
    assert f"другое обращение о той же проблеме ({duplicate})" in (await first._collect())[-1]["text"]
    code, out = await admin("request", "merge", "ALM", target, duplicate)
    assert code == 2 and "is closed (merged)" in out


def _chat(tmp_path, lines: list[str], name: str = "tester") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/console.db", "LOG_LEVEL": "DEBUG"}
    return subprocess.run([sys.executable, "main.py", "chat", "--as", name], cwd=ROOT, env=env,
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120)


def test_the_console_channel_takes_a_request_from_start_to_ticket(tmp_path):
    """`python main.py chat`, typed into as a person would, on a fresh database."""
    lines = ["1", "1", "1", "3", "1", "Көчөдө суу жок", "@photo", "@loc 42.89 74.63", "1", "2", "@quit"]
    result = _chat(tmp_path, lines)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Тилди тандаңыз" in out and "Кайрылууңуз катталды. Анын номери: ALM-2026-000001." in out
    assert "Сиздин кайрылууларыңыз" in out and "1. ALM-2026-000001: Катталды" in out
    assert result.stderr == ""  # no log line inside the dialog, not even a library's own DEBUG (bm25s)


def test_opening_the_console_again_continues_the_unfinished_request(tmp_path):
    first = _chat(tmp_path, ["1", "1", "1", "3", "1", "Көчөдө суу жок", "@quit"])
    assert first.returncode == 0 and "Кайрылууңузду текшериңиз" in first.stdout
    again = _chat(tmp_path, ["1", "@quit"])  # «1»: send, on the confirm screen shown again
    assert again.returncode == 0, again.stderr
    assert "Тилди тандаңыз" not in again.stdout and "жокко чыгарылды" not in again.stdout
    assert again.stdout.count("Кайрылууңузду текшериңиз") == 1 and "ALM-2026-000001" in again.stdout


async def test_a_console_session_shows_only_its_own_persons_messages(db):
    from bot.console.channel import ConsoleSender
    from bot.delivery.worker import DeliveryWorker
    from handlers.envelope import Reply
    from handlers.services.identities import lock_identity
    from handlers.services.outbox import do_enqueue
    from storage.enums import Channel, OutboxStatus
    from storage.models import OutboxMessage
    from storage.types import utcnow

    async with db.transaction() as session:
        for address, text in (("console:ann", "for Ann"), ("console:annet", "for Annet")):
            do_enqueue(session, await lock_identity(session, Channel.CONSOLE, address, utcnow()), Reply(text), utcnow())
    printed: list[str] = []
    worker = DeliveryWorker(db, {Channel.CONSOLE: ConsoleSender(printed.append, address="console:ann")})
    await worker.deliver_due()
    assert "".join(printed).strip() == "for Ann"
    async with db.reader() as session:
        statuses = dict((await session.execute(sa.select(OutboxMessage.address, OutboxMessage.status))).all())
    assert statuses == {"console:ann": OutboxStatus.SENT, "console:annet": OutboxStatus.PENDING}


def test_the_admin_command_runs_from_main(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/admin.db"}
    shown = subprocess.run([sys.executable, "main.py", "admin", "show", "ALM"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "ALM: Аламүдүн айыл өкмөтү" in shown.stdout and "quarter 15:" in shown.stdout
    refused = subprocess.run([sys.executable, "main.py", "admin", "show", "NOPE"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and refused.stderr == "error: no municipality with code 'NOPE'\n"


def test_the_admin_command_line_explains_itself(capsys):
    import main

    for argv in (["admin", "--help"], ["admin", "numbers", "--help"]):
        with pytest.raises(SystemExit) as stopped:
            main.main(argv)
        assert stopped.value.code == 0
        assert capsys.readouterr().out.startswith("usage: main.py admin")
    with pytest.raises(SystemExit) as stopped:
        main.main(["serve", "--bogus"])
    assert stopped.value.code == 2 and "unrecognized arguments: --bogus" in capsys.readouterr().err


async def _counts(db) -> dict[str, int]:
    from storage.models import Category, CategoryRoute, Holiday, Municipality, Quarter, Village

    async with db.reader() as session:
        return {model.__tablename__: await session.scalar(sa.select(sa.func.count()).select_from(model))
                for model in (Municipality, Village, Quarter, Department, Category, CategoryRoute, Holiday,
                              RoleGrant)}


@pytest.mark.parametrize("argv, message", [
    (("municipality", "add", "alm", "--ky", "x", "--ru", "x"), "a municipality with code ALM already exists"),
    (("village", "add", "ALM", "--ky", "АЛАМҮДҮН", "--ru", "Новое"), "ALM already has a village with this name"),
    (("village", "add", "ALM", "--ky", " ", "--ru", "Новое"), "a name in Kyrgyz and one in Russian are both needed"),
    (("quarter", "add", "ALM", "--village", "1", "--ky", "Жаңы", "--ru", "квартал №1"),
     "the village Аламедин already has a quarter with this name"),
    (("department", "add", "ALM", "water", "--ky", "Суу", "--ru", "Вода"), "ALM already has a department 'water'"),
    (("department", "add", "ALM", "суу", "--ky", "Суу", "--ru", "Вода"), "a department code is up to 40 Latin"),
    (("category", "add", "ALM", "water", "--ky", "Суу", "--ru", "Вода"), "ALM already has a category 'water'"),
    (("route", "add", "ALM", "nope", "--quarter", "1", "--department", "water"), "no category 'nope' in ALM"),
    (("holiday", "add", "2026-01-01", "--ky", "Жаңы жыл", "--ru", "Новый год"), "2026-01-01 is already a holiday"),
])
async def test_a_duplicate_or_a_missing_reference_gets_one_line_and_exit_code_2(admin, db, argv, message):
    before = await _counts(db)
    code, out = await admin(*argv)
    assert code == 2 and out.startswith("error: ") and message in out and out.count("\n") == 1
    assert "Traceback" not in out and "INSERT" not in out and "sqlite" not in out.lower()
    assert await _counts(db) == before


async def test_the_same_route_or_role_twice_is_refused_once_added(admin, db):
    assert (await admin("route", "add", "ALM", "lighting", "--quarter", "14", "--department", "general"))[0] == 0
    assert await admin("route", "add", "ALM", "lighting", "--quarter", "14", "--department", "water") == (
        2, "error: the category lighting already has a route in quarter 14\n")
    code, out = await admin("staff", "add", "ALM", "--role", "lawyer", "--phone", "0555 12-34-56")
    assert code == 0
    person = out.split()[1]
    assert await admin("staff", "add", "ALM", "--role", "lawyer", "--phone", "+996555123456") == (
        2, f"error: person {person} already has this role in ALM\n")
    assert (await admin("staff", "add", "ALM", "--role", "head", "--phone", "+996555123456"))[0] == 0  # another role


def test_every_admin_command_and_argument_has_help(capsys):
    """`admin … --help` works at every level, and no argument is left without a line of help."""
    import argparse

    import main
    from backoffice.admin_cli import _parser

    def walk(parser: argparse.ArgumentParser, path: list[str]):
        yield path, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, [*path, name])

    walked = list(walk(_parser(), []))
    assert len(walked) > 25
    for path, parser in walked:
        undocumented = [a.dest for a in parser._actions
                        if not a.help and not isinstance(a, argparse._SubParsersAction)]
        assert not undocumented, f"admin {' '.join(path)}: {undocumented} have no help"
        with pytest.raises(SystemExit) as stopped:
            main.main(["admin", *path, "--help"])
        assert stopped.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: main.py admin {' '.join(path)}".rstrip())


def test_serve_on_a_busy_port_says_which_port_and_which_setting(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/busy.db", "LOAD_DEMO": "false",
               "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port), "TELEGRAM_BOT_TOKEN": "", "LOG_LEVEL": "WARNING"}
        result = subprocess.run([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "set HTTP_PORT" in result.stderr
    assert "Traceback" not in result.stderr


async def test_the_demo_prints_a_back_office_login_that_works(tmp_path, caplog):
    import main
    from handlers.staff import accounts
    from settings import Settings
    from storage.types import utcnow

    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/demo.db", load_demo=True)
    with caplog.at_level("INFO", logger="kairyl"):
        db = await main.open_database(settings)
    printed = [r.getMessage() for r in caplog.records if "demo back office" in r.getMessage()]
    assert len(printed) == 1 and "http://127.0.0.1:8080/office/ login demo password " in printed[0]
    password = printed[0].split(" password ")[1].split()[0]
    try:
        async with db.transaction() as session:
            assert (await accounts.do_log_in(session, "demo", password, now=utcnow())).token
        caplog.clear()
        with caplog.at_level("INFO", logger="kairyl"):  # a second start: the login, not the password
            await (await main.open_database(settings)).dispose()
        again = [r.getMessage() for r in caplog.records if "demo back office" in r.getMessage()]
        assert len(again) == 1 and password not in again[0] and "account password --login demo" in again[0]
    finally:
        await db.dispose()
