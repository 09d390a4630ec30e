"""The table of a municipality's own useful numbers (the national ones are in ``national.py``)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, created_at_column

NAME_MAX = 80
NOTE_MAX = 80
PHONE_MAX = 32
PHONE_KEY_MAX = 15


class UsefulNumber(Base):
    """One number of a municipality: a name and an optional note (hours) in both languages."""

    __tablename__ = "useful_numbers"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "phone_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    position: Mapped[int]
    """Order in the resident's list, from 1."""
    name_ky: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    name_ru: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    phone: Mapped[str] = mapped_column(sa.String(PHONE_MAX))
    """As staff wrote it (spaces and dashes kept, they help reading)."""
    phone_key: Mapped[str] = mapped_column(sa.String(PHONE_KEY_MAX))
    """Its digits (a local 0… number as 996…): the same number written twice has one key."""
    note_ky: Mapped[str | None] = mapped_column(sa.String(NOTE_MAX))
    note_ru: Mapped[str | None] = mapped_column(sa.String(NOTE_MAX))
    created_at: Mapped[datetime] = created_at_column()
