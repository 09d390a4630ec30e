"""Announcements (кулактандыруу / объявление): a broadcast, its recipients, and who muted them.

A broadcast is durable from the moment it is ordered: ``status`` and ``scheduled_at`` say
what happens next, and the move from 'scheduled' to 'sending' (the expansion into one
outbox row per recipient) happens in one transaction, so it starts once.
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import BroadcastAck, BroadcastKind, BroadcastStatus
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (sa.Index("ix_broadcasts_status_scheduled", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    author_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"))
    author_identity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("channel_identities.id"))
    """Where the author ordered it: progress and the report go there."""
    kind: Mapped[BroadcastKind] = mapped_column(enum_type(BroadcastKind, "broadcast_kind"))
    status: Mapped[BroadcastStatus] = mapped_column(enum_type(BroadcastStatus, "broadcast_status"))
    quarter_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    """The quarters addressed; ``None`` (and no groups) for the whole municipality."""
    group_ids: Mapped[list[int] | None] = mapped_column(sa.JSON)
    """Initiative groups addressed (their approved members), alone or with the quarters."""
    text_ky: Mapped[str | None] = mapped_column(sa.Text)
    text_ru: Mapped[str | None] = mapped_column(sa.Text)
    """One of them alone: everybody gets that text; both: each resident gets their language."""
    photo: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """``{"ref": <file id or URL>, "channel": …, "bot": <Telegram bot id>}``: where the reference is valid."""
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recipients: Mapped[int] = mapped_column(default=0)
    progress_outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"))
    """The author's progress message, edited in place while the broadcast runs."""
    progress_shown: Mapped[int] = mapped_column(default=-1)
    """How many were done when the progress message was last updated."""


class BroadcastRecipient(Base):
    """One resident a broadcast was expanded to, with the outbox row that carries it."""

    __tablename__ = "broadcast_recipients"
    __table_args__ = (sa.UniqueConstraint("broadcast_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(sa.ForeignKey("broadcasts.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("channel_identities.id"))
    outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"), index=True)
    ack: Mapped[BroadcastAck | None] = mapped_column(enum_type(BroadcastAck, "broadcast_ack"))
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class BroadcastMute(Base):
    """A resident who asked not to receive ordinary announcements (emergencies still come)."""

    __tablename__ = "broadcast_mutes"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    muted_at: Mapped[datetime] = created_at_column()
