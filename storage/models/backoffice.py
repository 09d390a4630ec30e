"""The back office: staff accounts and sessions, the audit log, reply templates, the
responsibility list, staff-chat cards, and the scheduler's bookkeeping."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import AuditOutcome, Language
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class StaffAccount(Base):
    """A login to the web back office, for a person who holds staff roles."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), unique=True)
    login: Mapped[str] = mapped_column(sa.String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    active: Mapped[bool] = mapped_column(default=True)
    operator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """The deployment's operator: adds municipalities and sees their health."""
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()


class StaffSession(Base):
    """A logged-in browser. Only a hash of the cookie's token is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_accounts.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"))
    """The municipality this session works in (a lawyer may serve several)."""
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    """Who did (or tried to do) what, through which face, and whether it was allowed."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_municipality_at", "municipality_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = created_at_column()
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipalities.id"))
    actor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    via: Mapped[str] = mapped_column(sa.String(40))
    """``web``, ``staff_chat``, ``scheduler``, ``admin_cli``, or a channel address."""
    action: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str | None] = mapped_column(sa.String(30))
    object_id: Mapped[int | None]
    outcome: Mapped[AuditOutcome] = mapped_column(enum_type(AuditOutcome, "audit_outcome"))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class ReplyTemplate(Base):
    """A ready answer staff can start from, in both languages."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    """The title in Kyrgyz (or the only one)."""
    title_ru: Mapped[str | None] = mapped_column(sa.String(200))
    """The title on Russian pages (``title`` where it is missing)."""
    text_ky: Mapped[str] = mapped_column(sa.Text)
    text_ru: Mapped[str] = mapped_column(sa.Text)


class ResponsibleBody(Base):
    """Who is responsible instead, when a matter is not the municipality's (per municipality)."""

    __tablename__ = "responsible_bodies"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    name_ky: Mapped[str] = mapped_column(sa.String(300))
    name_ru: Mapped[str] = mapped_column(sa.String(300))
    contact: Mapped[str | None] = mapped_column(sa.String(300))
    """Phone, address or website, shown to the resident as is."""
    sort: Mapped[int] = mapped_column(default=0)


class StaffCard(Base):
    """A request's card in a staff chat; the outbox row that sent it knows its message id."""

    __tablename__ = "staff_cards"
    __table_args__ = (sa.UniqueConstraint("request_id", "chat_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    chat_address: Mapped[str] = mapped_column(sa.String(100), index=True)
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"))
    message_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = created_at_column()


class JobRun(Base):
    """A scheduled job's run for one period (e.g. a digest for one day): done at most once."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    run_key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    at: Mapped[datetime] = created_at_column()


class SchedulerLease(Base):
    """The one process allowed to run the scheduler, for as long as it keeps renewing."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
