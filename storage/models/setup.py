"""One-time codes: the first-run link, staff invitations, and staff groups' link codes.

Only a SHA-256 of a code is stored; a code expires and is used at most once.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.enums import CodePurpose
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class OneTimeCode(Base):
    __tablename__ = "one_time_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[CodePurpose] = mapped_column(enum_type(CodePurpose, "code_purpose"))
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    """An invitation's staff member."""
    chat_address: Mapped[str | None] = mapped_column(sa.String(100))
    """A staff group's chat, for its link code."""
    created_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by: Mapped[str | None] = mapped_column(sa.String(100))
    """The address (or account login) that used it."""
