"""What the back office's handlers share: the desk, the database, the clock, and the visit."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web

from storage.db import Database
from storage.enums import Language
from storage.types import utcnow

PREFIX = "/office"
FIRST_RUN_PATH = PREFIX + "/first-run/"
COOKIE = "kairyl_office"
LANGUAGE_COOKIE = "kairyl_office_lang"
LOGIN_CSRF_COOKIE = "kairyl_office_login"

AttachmentFetcher = Callable[[str, str], Awaitable[tuple[bytes, str]]]
"""(channel, file reference) → (bytes, content type); raises LookupError if the channel cannot fetch."""


@dataclass
class Office:
    desk: Any
    """handlers.staff.desk.StaffDesk"""
    db: Database
    fetch_attachment: AttachmentFetcher | None = None
    secure_cookies: bool = False
    clock: Callable[[], datetime] = field(default=utcnow)
    legal: Any = None
    """handlers.legal.desk.LegalDesk: legal questions and the answer base, for lawyers"""
    hearings: Any = None
    """handlers.initiatives.desk.HearingDesk"""
    invitation_ways: Callable[[str, str], Awaitable[dict]] | None = None
    """(municipality code, invitation code) → how to open it, per channel (bot.channels.Channels)"""


OFFICE = web.AppKey("office", Office)


@dataclass(frozen=True)
class Visit:
    """A signed-in staff member's request: their session, account and actor in the session's municipality."""

    token: str
    session_id: int
    csrf: str
    account_id: int
    login: str
    actor: Any
    """handlers.staff.access.Actor"""
    municipality_count: int
    operator: bool = False
    """The deployment's operator (adds municipalities, sees their health)."""

    @property
    def language(self) -> Language:
        return self.actor.language


VISIT = web.RequestKey("visit", Visit | None)


def office_of(request: web.Request) -> Office:
    return request.app[OFFICE]


def visit_of(request: web.Request) -> Visit:
    return request[VISIT]


def language_of(request: web.Request) -> Language:
    visit = request.get(VISIT)
    if visit is not None:
        return visit.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return Language(chosen) if chosen in (Language.KY.value, Language.RU.value) else Language.KY


def safe_next(target: str | None, default: str = PREFIX + "/requests") -> str:
    """Only a path inside the back office (no open redirect to another site)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
