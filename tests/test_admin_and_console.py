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
from tests.harness import Chat, onboard

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def admin(db_url, capsys):
    """Runs `main.py admin …` in-process against the test database; returns (exit code, printed text)."""
    async def run(*argv: str) -> tuple[int, str]:
        code = await run_admin(list(argv), lambda: _open(db_url))
        return code, capsys.readouterr().out

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
    assert code == 1 and message in out
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
        await chat.press("Пропустить")
        await chat.press("Пропустить")
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
    await chat.press("Пропустить")
    await chat.press("Пропустить")
    await chat.press("Отправить")
    ticket = chat.text.split("номер: ")[1].split(".")[0]
    assert (await admin("request", "status", "ALM", ticket, "in_review", "--note", "Выехала бригада"))[0] == 0
    assert (await admin("request", "answer", "ALM", ticket, "Мусор вывезен."))[0] == 0
    replies = await chat._collect()
    assert f"Статус вашего обращения {ticket} изменён: «На рассмотрении»" in replies[0]["text"]
    assert "Выехала бригада" in replies[0]["text"] and "Мусор вывезен." in replies[1]["text"]


def test_the_console_channel_takes_a_request_from_start_to_ticket(tmp_path):
    """`python main.py chat`, typed into as a person would, on a fresh database."""
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/console.db"}
    lines = ["1", "1", "1", "3", "1", "1", "Көчөдө суу жок", "@photo", "1", "@loc 42.89 74.63", "1", "2", "@quit"]
    result = subprocess.run([sys.executable, "main.py", "chat", "--as", "tester"], cwd=ROOT, env=env,
                            input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Тилди тандаңыз" in out and "Кайрылууңуз катталды. Анын номери: ALM-2026-000001." in out
    assert "Сиздин кайрылууларыңыз" in out and "1. ALM-2026-000001: Кабыл алынды" in out


def test_the_admin_command_runs_from_main(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/admin.db"}
    shown = subprocess.run([sys.executable, "main.py", "admin", "show", "ALM"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "ALM: Аламүдүн айыл өкмөтү" in shown.stdout and "quarter 15:" in shown.stdout
    refused = subprocess.run([sys.executable, "main.py", "admin", "show", "NOPE"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1 and "no municipality with code 'NOPE'" in refused.stdout


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
