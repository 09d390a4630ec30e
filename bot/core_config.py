"""The settings → the core's ``CoreConfig`` (with every channel's capabilities)."""

from datetime import time, timedelta

from bot.channels import CAPABILITIES
from bot.telegram.adapter import municipality_of_bots
from handlers.config import CoreConfig
from handlers.features import FEATURE_SET
from handlers.services.deadlines import DeadlineRule
from settings import Settings
from storage.enums import Language


def core_config(settings: Settings) -> CoreConfig:
    return CoreConfig(features=FEATURE_SET, capabilities=CAPABILITIES,
                      deadline_rule=DeadlineRule.parse(settings.deadline_rule),
                      dialog_timeout=timedelta(minutes=settings.dialog_timeout_minutes),
                      remind_before=timedelta(hours=settings.remind_before_hours),
                      escalate_before=timedelta(hours=settings.escalate_before_hours),
                      watch_every=timedelta(minutes=settings.deadline_watch_minutes),
                      digest_time=settings.digest_time,
                      quiet_hours=parse_quiet_hours(settings.quiet_hours),
                      legal_deadline_rule=DeadlineRule.parse(settings.legal_deadline_rule),
                      lawyers_chat=settings.lawyers_chat or None,
                      lawyers_chat_language=Language(settings.lawyers_chat_language),
                      municipality_of_address=municipality_of_bots(settings))


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """``22:00-08:00`` → (22:00, 08:00); empty → None."""
    if not value.strip():
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as error:
        raise SystemExit(f"QUIET_HOURS must look like 22:00-08:00, not {value!r}") from error
    return start, end
