"""People, their roles, their channel identities and their conversations."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import Channel, Language, Role
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class Person(Base):
    """A resident or a staff member. Created only once consent is given."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    quarter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quarters.id"))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_version: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = created_at_column()

    roles: Mapped[list["RoleGrant"]] = relationship(back_populates="person")


class RoleGrant(Base):
    """A role a person holds in a municipality, optionally tied to a department or quarter."""

    __tablename__ = "role_grants"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "municipality_id", "role", "department_id", "quarter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    quarter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quarters.id"))

    person: Mapped[Person] = relationship(back_populates="roles")


class ChannelIdentity(Base):
    """One address a person is reached at, e.g. ``telegram:<bot>:<chat>`` or ``whatsapp:+996…``."""

    __tablename__ = "channel_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(100), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()

    person: Mapped[Person | None] = relationship()


class Conversation(Base):
    """Where a dialog with one identity stands: flow, step, collected data, offered options."""

    __tablename__ = "conversations"

    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("channel_identities.id"), primary_key=True)
    language: Mapped[Language | None] = mapped_column(enum_type(Language, "language"))
    flow: Mapped[str] = mapped_column(sa.String(40), default="menu")
    step: Mapped[str] = mapped_column(sa.String(40), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    options: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    nonce: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
