"""Back-office accounts: passwords, log-in with lock-out, sessions, log-out.

Passwords are hashed with the standard library's scrypt and a random salt and compared
in constant time. A session's token lives only in the browser's cookie; the database
keeps its SHA-256. Refused log-ins are written to the audit log in the caller's unit of
work, so the caller commits them (a refusal is a result here, not an exception).
No texts a person reads: the web face words the outcome in the person's language.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from handlers.staff.access import STAFF_ROLES
from handlers.staff.audit import do_audit
from storage.db import get_referenced
from storage.enums import Language, Role
from storage.models import Municipality, Person, RoleGrant, StaffAccount, StaffSession

LOGIN_ROLES = (*STAFF_ROLES, Role.LAWYER)
"""Who may log in to the back office: staff, and lawyers (who see legal questions only)."""

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
SCRYPT_MAXMEM = 64 * 1024 * 1024
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 200
MAX_FAILED_LOGINS = 5
LOCK_OUT = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
SEEN_RESOLUTION = timedelta(minutes=5)
"""A session's last_seen_at (and expiry) is moved on at most this often: not a write per page."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=SCRYPT_MAXMEM, dklen=32)


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), with a fresh random salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(computed, base64.b64decode(digest))


_DUMMY_HASH = hash_password(secrets.token_hex(8))
"""Checked against when the login is unknown, so an unknown login costs as long as a wrong password."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_password_strength(password: str) -> None:
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(f"a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")


async def staff_municipalities(session: AsyncSession, person_id: int) -> list[int]:
    """The municipalities in which the person holds a staff role (or serves as a lawyer), in id order."""
    rows = await session.scalars(sa.select(RoleGrant.municipality_id).distinct()
                                 .where(RoleGrant.person_id == person_id, RoleGrant.role.in_(LOGIN_ROLES))
                                 .order_by(RoleGrant.municipality_id))
    return list(rows.all())


async def do_create_account(session: AsyncSession, person: Person, login: str, password: str,
                            language: Language = Language.KY) -> StaffAccount:
    login = login.strip().lower()
    if not (3 <= len(login) <= 60 and all(ch.isalnum() or ch in "._-" for ch in login)):
        raise InvalidInput("a login is 3 to 60 letters, digits, dots, dashes or underscores")
    check_password_strength(password)
    if not await staff_municipalities(session, person.id):
        raise InvalidInput("the person holds no staff role; grant one first (admin staff add)")
    taken = await session.scalar(sa.select(StaffAccount.id).where(
        sa.or_(StaffAccount.login == login, StaffAccount.person_id == person.id)))
    if taken is not None:
        raise InvalidInput("this login is taken, or the person already has an account")
    account = StaffAccount(person_id=person.id, login=login, password_hash=hash_password(password),
                           language=language, active=True, failed_logins=0)
    session.add(account)
    await session.flush()
    return account


async def account_by_login(session: AsyncSession, login: str) -> StaffAccount:
    account = await session.scalar(sa.select(StaffAccount).where(StaffAccount.login == login.strip().lower()))
    if account is None:
        raise NotFound(f"no account {login!r}")
    return account


async def do_set_password(session: AsyncSession, account: StaffAccount, password: str) -> None:
    """A new password; unlocks the account and ends its sessions."""
    check_password_strength(password)
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    await session.execute(sa.delete(StaffSession).where(StaffSession.account_id == account.id))


class Refusal(StrEnum):
    UNKNOWN_LOGIN = "unknown_login"
    WRONG_PASSWORD = "wrong_password"
    LOCKED = "locked"
    INACTIVE = "inactive"
    NO_ROLE = "no_role"


@dataclass(frozen=True)
class LogIn:
    """A log-in's outcome: a session and its token, or the refusal (already in the audit log)."""

    token: str | None = None
    session: StaffSession | None = None
    municipalities: tuple[int, ...] = ()
    refused: Refusal | None = None
    locked_until: datetime | None = None


async def do_log_in(session: AsyncSession, login: str, password: str, *, now: datetime) -> LogIn:
    account = await session.scalar(sa.select(StaffAccount).where(StaffAccount.login == login.strip().lower())
                                   .with_for_update())
    if account is None:
        password_matches(password, _DUMMY_HASH)
        return await _do_refuse(session, None, Refusal.UNKNOWN_LOGIN, login, now)
    if account.locked_until is not None and account.locked_until > now:
        return await _do_refuse(session, account, Refusal.LOCKED, login, now)
    if not password_matches(password, account.password_hash):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.failed_logins = 0
            account.locked_until = now + LOCK_OUT
            return await _do_refuse(session, account, Refusal.LOCKED, login, now)
        return await _do_refuse(session, account, Refusal.WRONG_PASSWORD, login, now)
    if not account.active:
        return await _do_refuse(session, account, Refusal.INACTIVE, login, now)
    municipalities = await staff_municipalities(session, account.person_id)
    if not municipalities:
        return await _do_refuse(session, account, Refusal.NO_ROLE, login, now)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    token = secrets.token_urlsafe(32)
    staff_session = StaffSession(token_hash=token_hash(token), account_id=account.id,
                                 municipality_id=municipalities[0], csrf_token=secrets.token_urlsafe(32),
                                 created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME)
    session.add(staff_session)
    await session.flush()
    do_audit(session, municipality_id=municipalities[0], actor_person_id=account.person_id, via="web",
             action="log_in", now=now, allowed=True)
    return LogIn(token=token, session=staff_session, municipalities=tuple(municipalities))


async def _do_refuse(session: AsyncSession, account: StaffAccount | None, reason: Refusal, login: str,
                     now: datetime) -> LogIn:
    do_audit(session, municipality_id=None, actor_person_id=account.person_id if account else None,
             via="web", action="log_in", now=now, allowed=False, detail={"reason": reason.value, "login": login[:60]})
    return LogIn(refused=reason, locked_until=account.locked_until if account else None)


@dataclass(frozen=True)
class SignedIn:
    session: StaffSession
    account: StaffAccount


async def signed_in(session: AsyncSession, token: str, *, now: datetime) -> SignedIn | None:
    """The live session the cookie's token belongs to, or None (unknown, expired, account off)."""
    found = await session.scalar(sa.select(StaffSession).where(StaffSession.token_hash == token_hash(token)))
    if found is None or found.expires_at <= now:
        return None
    account = await session.get(StaffAccount, found.account_id)
    if account is None or not account.active:
        return None
    return SignedIn(found, account)


def needs_touch(staff_session: StaffSession, now: datetime) -> bool:
    return now - staff_session.last_seen_at >= SEEN_RESOLUTION


async def do_touch_session(session: AsyncSession, session_id: int, now: datetime) -> None:
    """Moves a session's expiry on (sliding lifetime)."""
    await session.execute(sa.update(StaffSession).where(StaffSession.id == session_id)
                          .values(last_seen_at=now, expires_at=now + SESSION_LIFETIME))


async def do_log_out(session: AsyncSession, token: str) -> None:
    await session.execute(sa.delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


async def do_choose_municipality(session: AsyncSession, session_id: int, municipality_id: int, *,
                                 now: datetime) -> bool:
    """Moves a session to another municipality in which its person holds a staff role.

    False (and a refusal in the audit log, for the caller to commit) if they hold none there."""
    staff_session = await session.get(StaffSession, session_id)
    if staff_session is None:
        raise NotFound("the session has ended")
    account = await get_referenced(session, StaffAccount, staff_session.account_id)
    allowed = municipality_id in await staff_municipalities(session, account.person_id)
    do_audit(session, municipality_id=municipality_id if allowed else staff_session.municipality_id,
             actor_person_id=account.person_id, via="web", action="choose_municipality", now=now, allowed=allowed,
             object_type="municipality", object_id=municipality_id)
    if allowed:
        staff_session.municipality_id = municipality_id
    return allowed


async def do_set_account_language(session: AsyncSession, account_id: int, language: Language) -> None:
    await session.execute(sa.update(StaffAccount).where(StaffAccount.id == account_id).values(language=language))


async def municipality_choices(session: AsyncSession, person_id: int) -> list[tuple[int, str, str]]:
    """(id, Kyrgyz name, Russian name) of the municipalities the person may work in."""
    ids = await staff_municipalities(session, person_id)
    rows = await session.execute(sa.select(Municipality.id, Municipality.name_ky, Municipality.name_ru)
                                 .where(Municipality.id.in_(ids)).order_by(Municipality.id))
    return [(id_, name_ky, name_ru) for id_, name_ky, name_ru in rows.all()]
