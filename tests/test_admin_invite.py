"""`main.py admin staff invite …`: the command line invites a staff member through the same service
as the back office's staff page and prints the invitation once (the Telegram deep link with the
bot's name asked of the Bot API, the code, the WhatsApp number); the person opens the link and is
bound. A role without its department gets one line and exit code 2, and adds nobody."""

from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa

from backoffice.admin_cli import run_admin_with_links
from storage.db import Database
from storage.enums import Channel
from storage.models import ChannelIdentity, Person
from tests.backoffice_world import settings_for, start_service
from tests.conftest import TELEGRAM_TOKEN

STAFF_ID = 8101


@pytest.fixture
async def invite(db_url, fake_api, capsys):
    """Runs `main.py admin …` in-process beside the running service (the settings give the fake Bot
    API and a WhatsApp number); returns (exit code, printed text)."""
    service, _base = await start_service(db_url, fake_api.base_url, TELEGRAM_TOKEN)
    settings = settings_for(db_url, fake_api.base_url, TELEGRAM_TOKEN).model_copy(
        update={"twilio_whatsapp_from": "whatsapp:+996555000111"})
    capsys.readouterr()  # what the service printed on start

    async def open_db() -> Database:
        return Database(db_url)

    async def run(*argv: str) -> tuple[int, str]:
        code = await run_admin_with_links(list(argv), settings, open_db)
        printed = capsys.readouterr()
        return code, printed.out + printed.err

    yield service, run
    await service.stop()


async def _people(db) -> int:
    async with db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(Person))


async def test_the_command_line_invites_and_the_deep_link_binds_the_person(invite, fake_api):
    service, run = invite
    code, printed = await run("staff", "invite", "ALM", "--role", "department_staff", "--department", "water",
                              "--name", "Нурлан Суу", "--language", "ru")
    assert code == 0, printed
    link = next(line.split("Telegram: ", 1)[1] for line in printed.splitlines() if "Telegram: " in line)
    assert link.startswith("https://t.me/kairyl_test_bot?start=")
    secret = parse_qs(urlparse(link).query)["start"][0]
    assert f"code: {secret}" in printed and "WhatsApp: send the code to +996555000111" in printed

    bot = fake_api.bot(TELEGRAM_TOKEN)
    bot.push_update(bot.message_update(STAFF_ID, f"/start {secret}", user={"id": STAFF_ID, "first_name": "Нурлан"}))
    welcome = (await bot.wait_sent(STAFF_ID, 1))[0]
    assert "сотрудник отдела" in welcome.text
    async with service.db.reader() as session:
        bound = await session.scalar(sa.select(ChannelIdentity).where(ChannelIdentity.channel == Channel.TELEGRAM,
                                                                      ChannelIdentity.address.endswith(f":{STAFF_ID}")))
        person = await session.get(Person, bound.person_id)
    assert person.display_name == "Нурлан Суу"


async def test_a_role_without_its_department_is_one_line_and_exit_code_2(invite):
    service, run = invite
    people = await _people(service.db)
    code, printed = await run("staff", "invite", "ALM", "--role", "department_staff", "--name", "Без отдела")
    assert code == 2 and printed.startswith("error: ") and printed.count("\n") == 1 and "Traceback" not in printed
    code, printed = await run("staff", "invite", "ALM", "--role", "department_staff", "--department", "nope",
                              "--name", "Нет такого")
    assert code == 2 and "no department 'nope'" in printed
    assert await _people(service.db) == people
