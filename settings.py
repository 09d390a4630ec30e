"""Deployment settings, read from the environment or a ``.env`` file (only by main.py)."""

from datetime import time
from typing import Literal

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///data/kairyl.db"
    load_demo: bool = True
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    """json: one JSON object per line (time, level, logger, message and the record's extra fields)."""

    # Legal term for answering an appeal: "calendar:14" (Law No. 67) or "working:10" (2026 amendment).
    deadline_rule: str = "calendar:14"
    dialog_timeout_minutes: int = 30
    # The deadline watch: remind the assignee (or the staff chat) and tell the head before a deadline.
    remind_before_hours: int = 48
    escalate_before_hours: int = 24
    deadline_watch_minutes: int = 5
    digest_time: time = time(8, 0)
    """The local (Asia/Bishkek) time of the morning digest, e.g. 08:00."""
    # Legal consultations: the term for answering a question, and the lawyers' Telegram group.
    legal_deadline_rule: str = "calendar:14"
    lawyers_chat: str | None = None
    """The lawyers' group, e.g. telegram:<bot id>:-100123 (the bot says it when added to the group)."""
    lawyers_chat_language: Literal["ky", "ru"] = "ru"
    """The language the bot speaks in the lawyers' group (cards, prompts, reminders)."""

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr | None = None
    telegram_per_bot_per_second: int = 30
    telegram_per_chat_interval: float = 1.0
    telegram_bots: dict[str, str] = {}
    """More bots in this process, one per municipality, as JSON: {"ALM": "<token>", "TKM": "<token>"}.
    Each bot has its own rate limit; residents get announcements from the bot they talk to."""
    quiet_hours: str = "22:00-08:00"
    """Asia/Bishkek times between which ordinary announcements wait (emergencies do not); empty: none."""

    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_whatsapp_from: str | None = None
    """The WhatsApp sender, e.g. whatsapp:+996312000000 (the prefix is added if missing)."""
    twilio_api_url: str = "https://api.twilio.com"
    twilio_templates: dict[str, str] = {}
    """Approved Content SIDs by purpose, as JSON: {"request_status": "HX…", "request_answer": "HX…"}."""
    whatsapp_messages_per_second: int = 80
    twilio_content_url: str = "https://content.twilio.com"
    whatsapp_native_choices: bool = True
    """Choices as WhatsApp list pickers and quick replies (Twilio's Content API); off: numbered lines only."""

    public_url: str | None = None
    """The HTTPS address the world reaches this service at (for webhooks), e.g. https://kairyl.example.kg"""
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    metrics_token: SecretStr | None = None
    """With it, GET /metrics needs ``Authorization: Bearer <token>``; without, only this machine may read it."""

    public_reads_per_minute: int = 120
    """The public page and the Open311 API: requests per minute from one IP address (then 429)."""
    open311_posts_per_minute: int = 10
    """Open311 POST requests per minute from one IP address."""
    open311_posts_per_key_per_minute: int = 30
    """Open311 POST requests per minute with one API key."""
    public_page_seconds: int = 120
    """How long a municipality's public page (/p/<code>/) is kept before its figures are read again."""

    intake_workers: int = 0
    """No longer used (a start with it set says so and ignores it): for more CPU cores run more
    instances (``main.py serve``) on one PostgreSQL, on this machine or others."""

    def secrets(self) -> list[str]:
        """Every secret these settings hold (never to be logged)."""
        values = [value.get_secret_value() for value in self.__dict__.values() if isinstance(value, SecretStr)]
        return values + list(self.telegram_bots.values())

