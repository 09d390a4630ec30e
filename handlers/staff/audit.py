"""The audit log: every staff action, allowed or refused, with who, where from and on what."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import AuditOutcome
from storage.models import AuditEntry


def do_audit(session: AsyncSession, *, via: str, action: str, now: datetime, allowed: bool,
             municipality_id: int | None = None, actor_person_id: int | None = None,
             object_type: str | None = None, object_id: int | None = None,
             detail: dict[str, Any] | None = None) -> AuditEntry:
    entry = AuditEntry(at=now, via=via, action=action, municipality_id=municipality_id,
                       actor_person_id=actor_person_id, object_type=object_type, object_id=object_id,
                       outcome=AuditOutcome.ALLOWED if allowed else AuditOutcome.REFUSED, detail=detail or {})
    session.add(entry)
    return entry
