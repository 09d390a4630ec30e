"""The audit log: every staff action, allowed or refused, with who, where from and on what."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import AuditOutcome
from storage.models import AuditEntry, Person


def do_audit(session: AsyncSession, *, via: str, action: str, now: datetime, allowed: bool,
             municipality_id: int | None = None, actor_person_id: int | None = None,
             object_type: str | None = None, object_id: int | None = None,
             detail: dict[str, Any] | None = None) -> AuditEntry:
    entry = AuditEntry(at=now, via=via, action=action, municipality_id=municipality_id,
                       actor_person_id=actor_person_id, object_type=object_type, object_id=object_id,
                       outcome=AuditOutcome.ALLOWED if allowed else AuditOutcome.REFUSED, detail=detail or {})
    session.add(entry)
    return entry


AUDIT_PAGE = 200


async def audit_log(session: AsyncSession, municipality_id: int, *, outcome: AuditOutcome | None = None,
                    action: str | None = None, limit: int = AUDIT_PAGE) -> list[tuple[AuditEntry, str | None]]:
    """The municipality's newest entries (with the actor's name), optionally only refusals or one action."""
    query = (sa.select(AuditEntry, Person.display_name).outerjoin(Person, Person.id == AuditEntry.actor_person_id)
             .where(AuditEntry.municipality_id == municipality_id)
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit))
    if outcome is not None:
        query = query.where(AuditEntry.outcome == outcome)
    if action:
        query = query.where(AuditEntry.action == action)
    return [(entry, name) for entry, name in (await session.execute(query)).all()]
