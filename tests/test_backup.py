"""`main.py backup` while the service writes, `main.py restore`, and the service started on the restored file.

The backup and the restore run as child processes, as an operator runs them; the refusals are asked
of ``main.main`` in this process (the same command line, without the seconds a start costs).
"""

import asyncio
import contextlib
import io
import sqlite3

import pytest

import main
from tests.service_process import command_env, run_command, serving

TOKEN = "123456:TEST-kairyl-token"
SECRET = "backup-test-webhook-secret"
BOT_ID = 123456


def recorded_updates(path) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return {row[0] for row in connection.execute("SELECT external_id FROM intake")}


def integrity(path) -> str:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


async def test_a_backup_taken_while_updates_arrive_restores_everything_committed_before_it(
        tmp_path, sqlite_template, fake_api, unused_tcp_port_factory):
    database, backup = tmp_path / "kairyl.db", tmp_path / "backup" / "kairyl-backup.db"
    backup.parent.mkdir()
    database.write_bytes(sqlite_template.read_bytes())
    bot = fake_api.bot(TOKEN)
    port = unused_tcp_port_factory()
    env = command_env(f"sqlite+aiosqlite:///{database}", telegram_bot_token=TOKEN,
                      telegram_api_url=fake_api.base_url, telegram_mode="webhook",
                      public_url=f"http://127.0.0.1:{port}", telegram_webhook_secret=SECRET)
    acknowledged: list[int] = []  # update ids the service answered 200 to: recorded and committed
    writing = asyncio.Event()

    async def residents_write() -> None:
        update_id = 50_000
        while not writing.is_set():
            update_id += 1
            chat_id = 9_000 + update_id % 40
            if await bot.deliver_webhook(bot.message_update(chat_id, "/start", update_id=update_id)) == 200:
                acknowledged.append(update_id)

    async with serving(env, port) as service:
        writer = asyncio.create_task(residents_write())
        try:
            while len(acknowledged) < 30:
                await asyncio.sleep(0.05)
            committed_before = set(acknowledged)
            code, out, err = await run_command(env, "backup", str(backup))
            during = len(acknowledged) - len(committed_before)
        finally:
            writing.set()
            await writer
        assert code == 0, err
        assert f"backed up {database} to {backup}" in out and "integrity ok" in out
        assert during > 0, "no update arrived while the backup ran: the test proved nothing"

        code, err = command_in_process(env, "restore", str(backup), "--force")
        assert code == 1 and f"the service is running on {database}: stop it before restoring" in err
        code, err = command_in_process(env, "backup", str(backup))
        assert code == 1 and f"{backup} exists" in err
        assert (await service.get("/readyz"))[0] == 200

    assert integrity(backup) == "ok"
    in_backup = recorded_updates(backup)
    assert {f"{BOT_ID}:{update_id}" for update_id in committed_before} <= in_backup
    code, err = command_in_process(env, "restore", str(backup))
    assert code == 1 and f"{database} exists; --force replaces it" in err
    code, out, err = await run_command(env, "restore", str(backup), "--force")
    assert code == 0, err
    assert "integrity ok" in out and "the database it replaced is kept as" in out
    assert integrity(database) == "ok" and recorded_updates(database) == in_backup
    assert len(list(tmp_path.glob("kairyl.db.replaced-*"))) >= 1

    port = unused_tcp_port_factory()  # not the first one's: another program may have taken it meanwhile
    env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
    async with serving(env, port) as service:
        bot.sent.clear()
        assert await bot.deliver_webhook(bot.message_update(8_888, "/start", update_id=90_000)) == 200
        answer = await bot.wait_sent(8_888, 1)
        assert "Тилди тандаңыз" in answer[0].text
        assert (await service.get("/readyz"))[0] == 200
    assert integrity(database) == "ok"


def test_postgresql_is_pointed_to_pg_dump(tmp_path):
    env = command_env("postgresql+asyncpg://kairyl:secret@127.0.0.1:9/kairyl")
    for command in ("backup", "restore"):
        code, err = command_in_process(env, command, str(tmp_path / "kairyl.dump"))
        assert code == 2 and "pg_dump -Fc" in err and "README.md, 'Backup and restore'" in err
    assert not (tmp_path / "kairyl.dump").exists()


def command_in_process(env: dict[str, str], *argv: str) -> tuple[int, str]:
    """``main.main(argv)`` with ``env`` as the environment: (exit code, what it wrote to stderr)."""
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stderr(io.StringIO()) as err:
        for key, value in env.items():
            patch.setenv(key, value)
        with pytest.raises(SystemExit) as exited:
            main.main(list(argv))
    return exited.value.code, err.getvalue()


def test_a_backup_or_restore_that_cannot_be_done_says_why_and_touches_nothing(tmp_path, sqlite_template):
    database = tmp_path / "kairyl.db"
    database.write_bytes(sqlite_template.read_bytes())
    env = command_env(f"sqlite+aiosqlite:///{database}")
    code, err = command_in_process(env, "backup", str(tmp_path / "no-such-folder" / "copy.db"))
    assert code == 1 and "failed: unable to open database file" in err
    garbage = tmp_path / "notes.db"
    garbage.write_text("not a database at all, just some words " * 100)
    code, err = command_in_process(env, "restore", str(garbage), "--force")
    assert code == 1 and f"{garbage} is not a Kairyl database" in err
    code, err = command_in_process(env, "restore", str(tmp_path / "missing.db"), "--force")
    assert code == 1 and "there is no backup at" in err
    assert database.read_bytes() == sqlite_template.read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kairyl.db", "notes.db"]
