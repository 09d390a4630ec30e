"""The service's log: one JSON object per line on request (LOG_FORMAT=json), and never a secret."""

import json
import logging
import subprocess
import sys

from bot.ops.logs import JsonFormatter, ScrubbingFormatter
from tests.service_process import ROOT, command_env, serving

TOKEN = "987654:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
"""Shaped like a real bot token (the scrubbing knows the shape even of a token it was not given)."""


def test_a_json_line_has_the_fields_and_the_extras_and_no_secret():
    formatter = ScrubbingFormatter(JsonFormatter(), ["twilio-auth-token-42"])
    try:
        raise ConnectionError("postgresql+asyncpg://kairyl:hunter2@db.example.kg/kairyl refused")
    except ConnectionError:
        record = logging.LogRecord("bot.telegram", logging.ERROR, __file__, 1, "bot %s said %s", (
            "111222:AAFnotTheConfiguredTokenButShapedLikeOne1", "twilio-auth-token-42"), sys.exc_info())
    record.chat_count = 3
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "bot.telegram" and entry["chat_count"] == 3
    assert entry["time"].endswith("+00:00")
    assert entry["message"] == "bot 111222:*** said ***"
    assert "kairyl:***@db.example.kg" in entry["exception"] and "hunter2" not in line


async def test_the_service_logs_json_lines_without_its_token(tmp_path, sqlite_template, fake_api, unused_tcp_port):
    database = tmp_path / "kairyl.db"
    database.write_bytes(sqlite_template.read_bytes())
    bot = fake_api.add_bot(TOKEN)
    env = command_env(f"sqlite+aiosqlite:///{database}", telegram_bot_token=TOKEN,
                      telegram_api_url=fake_api.base_url, log_format="json", metrics_token="metrics-secret-1")
    async with serving(env, unused_tcp_port) as service:
        bot.push_update(bot.message_update(8001, "/start"))
        await bot.wait_sent(8001, 1)
        assert (await service.get("/metrics", Authorization="Bearer metrics-secret-1"))[0] == 200
    entries = [json.loads(line) for line in service.log]
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
    running = next(entry for entry in entries if entry["message"].startswith("Kairyl is running"))
    assert running["http_port"] == unused_tcp_port and running["logger"] == "kairyl"
    assert "telegram bot 987654: long polling" in [entry["message"] for entry in entries]
    whole = "".join(service.log)
    assert TOKEN.split(":")[1] not in whole and "metrics-secret-1" not in whole


def test_compiling_the_catalogs_says_one_line():
    """scripts/setup.sh (run by scripts/run.sh at every start) compiles every catalog: one summary line,
    not two per catalog."""
    done = subprocess.run(["scripts/i18n.sh", "compile"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == [f"catalogs: {len(list(ROOT.glob('locales/*/LC_MESSAGES/*.po')))} compiled "
                                        "(locales/*/LC_MESSAGES)"]
