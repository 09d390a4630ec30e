"""What the core needs to know about the deployment, handed in by main.py."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from handlers.envelope import Capabilities
from handlers.services.deadlines import DeadlineRule
from storage.enums import Channel, Language

if TYPE_CHECKING:  # the engine reads the config; the config only names the engine's type
    from handlers.engine.feature import FeatureSet

BISHKEK = ZoneInfo("Asia/Bishkek")


@dataclass(frozen=True)
class CoreConfig:
    features: "FeatureSet"
    """The features this deployment runs (handlers/features.py): their flows, menus, commands."""
    capabilities: Mapping[Channel, Capabilities] = field(kw_only=True)
    """What each channel can show, as its adapter declares it (``bot/channels.py``; tests: ``tests/core_config.py``)."""
    deadline_rule: DeadlineRule = field(default_factory=lambda: DeadlineRule.calendar(14))
    dialog_timeout: timedelta = timedelta(minutes=30)
    consent_version: str = "2026-11"
    max_description_chars: int = 3000
    max_address_chars: int = 300
    max_photos: int = 5
    page_size: int = 8
    timezone: ZoneInfo = BISHKEK
    remind_before: timedelta = timedelta(hours=48)
    """The assignee (or the department's staff chat) is reminded this long before a deadline."""
    watch_every: timedelta = timedelta(minutes=5)
    """How often the deadline watch (and the hearing reminders) look for what is due."""
    escalate_before: timedelta = timedelta(hours=24)
    """The head is told this long before a deadline that a request is still unanswered."""
    digest_time: time = time(8, 0)
    """The local time of the morning digest."""
    quiet_hours: tuple[time, time] | None = (time(22, 0), time(8, 0))
    """Local times between which ordinary announcements wait (emergencies do not); ``None`` for none."""
    legal_deadline_rule: DeadlineRule = field(default_factory=lambda: DeadlineRule.calendar(14))
    """The term for answering a legal question (counted like a request's)."""
    lawyers_chat: str | None = None
    """The lawyers' group chat address (``telegram:<bot>:<chat>``): legal question cards, reminders."""
    lawyers_chat_language: Language = Language.RU
    """The language of the lawyers' group chat."""
    municipality_of_address: dict[str, str] = field(default_factory=dict)
    """Address prefix → municipality code, for channels that serve one municipality (a Telegram bot
    of ``TELEGRAM_BOTS``: ``{"telegram:<bot id>:": "TKM"}``): its residents are not asked which."""
