"""How the service logs: plain lines (the default) or one JSON object per line (``LOG_FORMAT=json``).

A JSON line has ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the record's extra
fields (``log.info("…", extra={"bot": 123})``) and ``exception`` when there is one. In either
format every line is scrubbed before it is written: the configured secrets (tokens, the webhook
secret, Twilio's auth token, the metrics token), anything shaped like a Telegram bot token, and
the password of a database URL are replaced by ``***``.
"""

import json
import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
QUIET_LOGGERS = ("aiogram.event", "apscheduler.executors.default")
"""A line per update (aiogram) and two per job run (APScheduler: the broadcasts job runs every
2 s), which would bury what an operator needs to see; their warnings and errors still show."""
BOT_TOKEN = re.compile(r"\b(\d{5,15}):[A-Za-z0-9_-]{30,}")
URL_PASSWORD = re.compile(r"(://[^:/@\s\"]+:)[^@\s\"]+@")
_STANDARD = {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update((key, value) for key, value in vars(record).items()
                     if key not in _STANDARD and not key.startswith("_"))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class ScrubbingFormatter(logging.Formatter):
    """Formats with ``inner``, then replaces every secret in the line."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return scrub(self.inner.format(record), self.secrets)


def scrub(line: str, secrets: Iterable[str] = ()) -> str:
    for secret in secrets:
        line = line.replace(secret, "***")
    line = BOT_TOKEN.sub(r"\1:***", line)
    return URL_PASSWORD.sub(r"\1***@", line)


def configure_logging(level: str, log_format: str = "text", secrets: Iterable[str] = ()) -> None:
    inner = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler()
    handler.setLevel(level)  # a library that sets its own logger to DEBUG (bm25s) stays quiet too
    handler.setFormatter(ScrubbingFormatter(inner, secrets))
    logging.basicConfig(level=level, handlers=[handler])
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
