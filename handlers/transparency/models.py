"""The transparency feature's tables: Open311 clients and what they posted, each municipality's
public settings, the quarters' centres, and the requests their authors asked to keep private."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime

CLIENT_NAME_MAX = 120
KEY_HASH_LENGTH = 64
TOKEN_MAX = 40
EMAIL_MAX = 254
PHONE_MAX = 20
LICENCE_MAX = 500
CHANNEL_MAX = 100


class Open311Client(Base):
    """An application allowed to post requests to one municipality; its key is kept only as a hash."""

    __tablename__ = "open311_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(CLIENT_NAME_MAX))
    key_hash: Mapped[str] = mapped_column(sa.String(KEY_HASH_LENGTH), unique=True)
    """SHA-256 of the key, hex (the key is random and long: a slow hash adds nothing)."""
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Open311Submission(Base):
    """A request that came through Open311: which client, its token, and the reporter's only contact."""

    __tablename__ = "open311_submissions"

    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("open311_clients.id"), index=True)
    token: Mapped[str] = mapped_column(sa.String(TOKEN_MAX), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(EMAIL_MAX))
    phone: Mapped[str | None] = mapped_column(sa.String(PHONE_MAX))


class PublicSettings(Base):
    """What a municipality chooses to publish; a municipality without a row publishes no descriptions."""

    __tablename__ = "public_settings"

    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), primary_key=True)
    show_descriptions: Mapped[bool] = mapped_column(default=False)
    """Descriptions, anonymised, on the page, the API and the open data; otherwise none."""
    licence: Mapped[str | None] = mapped_column(sa.String(LICENCE_MAX))
    """The open data's licence line, e.g. «CC BY 4.0, Аламүдүн айыл өкмөтү»."""
    channel: Mapped[str | None] = mapped_column(sa.String(CHANNEL_MAX))
    """The municipality's public Telegram channel (``telegram:<bot id>:<chat id>``) for the weekly digest."""


class QuarterCentre(Base):
    """Where the public sees a quarter's requests: its centre, never a resident's pin."""

    __tablename__ = "quarter_centres"

    quarter_id: Mapped[int] = mapped_column(sa.ForeignKey("quarters.id"), primary_key=True)
    latitude: Mapped[float]
    longitude: Mapped[float]


class PrivateRequest(Base):
    """A request its author asked to keep private: counted in the figures, never listed."""

    __tablename__ = "private_requests"

    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), primary_key=True)
    marked_at: Mapped[datetime] = created_at_column()


class DigestSubscription(Base):
    """A resident who asked for the weekly digest (off by default)."""

    __tablename__ = "digest_subscriptions"

    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), primary_key=True)
    since: Mapped[datetime] = created_at_column()
