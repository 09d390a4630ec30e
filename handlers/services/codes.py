"""One-time codes (storage/models/setup.py): made, looked at, and used once.

A code is random (``secrets``); only its SHA-256 is kept, so a stolen database opens nothing.
Codes that people type (an invitation sent on WhatsApp, a staff group's code) are short, in
capitals and digits without the look-alikes (0/O, 1/I), in groups of four; they are compared
without spaces, dashes or case. ``do_use_code`` locks the row: two uses at once, one wins.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import CodePurpose
from storage.models import OneTimeCode

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TYPED_LENGTH = {CodePurpose.INVITATION: 12, CodePurpose.STAFF_GROUP: 8}
"""Typed codes: 12 characters (60 bits) for an invitation, 8 (40 bits) for a group's code."""
LIFETIME = {CodePurpose.FIRST_RUN: timedelta(days=1), CodePurpose.INVITATION: timedelta(days=7),
            CodePurpose.STAFF_GROUP: timedelta(days=2)}


def normalize_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode("ascii", "ignore")).hexdigest()


def new_code(purpose: CodePurpose) -> str:
    if purpose not in TYPED_LENGTH:
        return secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(TYPED_LENGTH[purpose]))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def looks_like_code(text: str, purpose: CodePurpose) -> bool:
    """Whether a message could be a typed code of this purpose (before any database read)."""
    stripped = text.strip()
    return (len(stripped) <= 2 * TYPED_LENGTH[purpose] and len(normalize_code(stripped)) == TYPED_LENGTH[purpose]
            and all(ch in ALPHABET for ch in normalize_code(stripped)))


def do_make_code(session: AsyncSession, purpose: CodePurpose, now: datetime, **refs: object) -> str:
    """A new code (returned once, never stored) for ``refs``: municipality_id, person_id, chat_address…"""
    code = new_code(purpose)
    session.add(OneTimeCode(purpose=purpose, code_hash=_hash(code), created_at=now,
                            expires_at=now + LIFETIME[purpose], **refs))
    return code


async def live_code(session: AsyncSession, purpose: CodePurpose, code: str, now: datetime, *,
                    lock: bool = False) -> OneTimeCode | None:
    """The code's row if it exists for this purpose, is unused and has not expired."""
    if not normalize_code(code) or len(code) > 100:
        return None
    query = sa.select(OneTimeCode).where(OneTimeCode.code_hash == _hash(code), OneTimeCode.purpose == purpose)
    found = await session.scalar(query.with_for_update() if lock else query)
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return found


def why_not(found: OneTimeCode | None) -> str:
    return "unknown" if found is None else "used" if found.used_at is not None else "expired"


async def code_row(session: AsyncSession, purpose: CodePurpose, code: str) -> OneTimeCode | None:
    """The code's row whatever its state (to say why it does not work)."""
    return await session.scalar(sa.select(OneTimeCode).where(OneTimeCode.code_hash == _hash(code),
                                                             OneTimeCode.purpose == purpose))


async def do_use_code(session: AsyncSession, purpose: CodePurpose, code: str, now: datetime,
                      used_by: str) -> OneTimeCode | None:
    """Marks a live code used and returns it; None if it is unknown, used or expired."""
    found = await live_code(session, purpose, code, now, lock=True)
    if found is not None:
        found.used_at, found.used_by = now, used_by[:100]
    return found


async def do_drop_codes(session: AsyncSession, purpose: CodePurpose, **refs: object) -> None:
    """Withdraws the unused codes of a purpose (for a person, a municipality…): they stop working."""
    query = sa.delete(OneTimeCode).where(OneTimeCode.purpose == purpose, OneTimeCode.used_at.is_(None))
    for name, value in refs.items():
        query = query.where(getattr(OneTimeCode, name) == value)
    await session.execute(query)
