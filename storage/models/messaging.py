"""What comes in (intake, inbound log) and what goes out (outbox)."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import Channel, IntakeStatus, OutboxStatus
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class IntakeItem(Base):
    """A raw update recorded before it is processed, so a crash cannot lose it.

    ``(channel, external_id)`` is unique: a redelivered update is recognised and
    processed once. The raw payload is cleared once processed (it may hold
    personal data of someone who has not consented).

    With several instances (PostgreSQL) a chat's oldest pending item names the instance handling
    it (``claimed_by``, see bot/intake_claims.py): the chat is that instance's until the item is
    done or the instance's heartbeat lapses.
    """

    __tablename__ = "intake"
    __table_args__ = (
        sa.UniqueConstraint("channel", "external_id"),
        sa.Index("ix_intake_pending", "status", "id"),
        sa.Index("ix_intake_chat_pending", "routing_key", "id", postgresql_where=sa.text("status = 'pending'"),
                 sqlite_where=sa.text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    external_id: Mapped[str] = mapped_column(sa.String(100))
    routing_key: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    status: Mapped[IntakeStatus] = mapped_column(enum_type(IntakeStatus, "intake_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = created_at_column()
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(sa.Text)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))


class InboundMessage(Base):
    """Every message a person sent, as the core understood it."""

    __tablename__ = "inbound_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("channel_identities.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    text: Mapped[str | None] = mapped_column(sa.Text)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    intake_id: Mapped[int | None] = mapped_column(sa.ForeignKey("intake.id"))
    created_at: Mapped[datetime] = created_at_column()


class OutboxMessage(Base):
    """A message to send, written in the same transaction as the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "priority", "id"),
                      sa.Index("ix_outbox_address_order", "address", "id"),
                      sa.Index("ix_outbox_waiting", "address", "id",  # the delivery claim's (migration 0021)
                               postgresql_where=sa.text("status IN ('pending', 'sending')"),
                               sqlite_where=sa.text("status IN ('pending', 'sending')")))

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("channel_identities.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    address: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    priority: Mapped[int] = mapped_column(default=0)
    """Lower goes first: 0 a reply in a conversation, 5 a notification, 9 a broadcast."""
    status: Mapped[OutboxStatus] = mapped_column(enum_type(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Rows claimed before instances named their claims: taken over once this time has passed."""
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    """The instance sending it ('sending'; another takes it over once that instance's row lapses), or
    that sent it ('sent')."""
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    external_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    """The platform's id of the sent message (Telegram message_id, Twilio MessageSid)."""
    delivery_status: Mapped[str | None] = mapped_column(sa.String(20))
    """What the platform reported later (Twilio status callbacks: sent, delivered, read, failed…)."""
    error_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class Instance(Base):
    """A running process of the deployment, alive while its heartbeat keeps ``alive_until`` ahead."""

    __tablename__ = "instances"

    id: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    alive_until: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliverySlot(Base):
    """A delivery lane's send slots, shared by instances (bot/delivery/slots.py): the next free
    moment a message may leave on the lane (a Telegram bot, WhatsApp), in seconds since the epoch
    on the database's clock, and the number of the slot there. A 429's ``retry_after`` moves it
    forward for every instance."""

    __tablename__ = "delivery_slots"

    lane: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    next_at: Mapped[float] = mapped_column(sa.Double)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    """How many slots were handed out so far."""


class WhatsAppContent(Base):
    """A Twilio Content resource (list picker or quick replies) made once for one shape of
    native WhatsApp choices (``bot/whatsapp/content.py``) and reused by every process."""

    __tablename__ = "whatsapp_contents"

    shape: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    content_sid: Mapped[str] = mapped_column(sa.String(34))
    created_at: Mapped[datetime] = created_at_column()
