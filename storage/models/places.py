"""Municipalities and their places, departments, categories and routes."""

from datetime import date

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import DepartmentKind, Language
from storage.models.base import Base
from storage.types import enum_type


class Municipality(Base):
    __tablename__ = "municipalities"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    name_ru_genitive: Mapped[str | None] = mapped_column(sa.String(200))
    """The Russian name in the genitive, for «приглашение от …» («Аламудунского айыл окмоту»)."""
    deadline_rule: Mapped[str | None] = mapped_column(sa.String(20))
    """``calendar:14`` or ``working:10``; None: the deployment's DEADLINE_RULE."""
    center_lat: Mapped[float | None]
    center_lon: Mapped[float | None]
    radius_km: Mapped[float | None]
    copy_quarter_head: Mapped[bool] = mapped_column(default=True)

    villages: Mapped[list["Village"]] = relationship(back_populates="municipality", order_by="Village.sort")


class Village(Base):
    __tablename__ = "villages"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    sort: Mapped[int] = mapped_column(default=0)

    municipality: Mapped[Municipality] = relationship(back_populates="villages")
    quarters: Mapped[list["Quarter"]] = relationship(back_populates="village", order_by="Quarter.sort")


class Quarter(Base):
    __tablename__ = "quarters"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    sort: Mapped[int] = mapped_column(default=0)

    village: Mapped[Village] = relationship(back_populates="quarters")


class Department(Base):
    """A department of the aiyl okmotu or a municipal enterprise."""

    __tablename__ = "departments"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[DepartmentKind] = mapped_column(enum_type(DepartmentKind, "department_kind"))
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    staff_chat: Mapped[str | None] = mapped_column(sa.String(100))
    """The staff group's chat address, e.g. ``telegram:<bot id>:<group chat id>``."""
    staff_chat_language: Mapped[Language] = mapped_column(enum_type(Language, "staff_chat_language"),
                                                          default=Language.KY, server_default="ky")


class Category(Base):
    """A kind of problem a resident can report; routed to a department by default."""

    __tablename__ = "categories"
    __table_args__ = (sa.UniqueConstraint("municipality_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))
    sort: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))


class CategoryRoute(Base):
    """A quarter-specific exception to a category's default department."""

    __tablename__ = "category_routes"
    __table_args__ = (sa.UniqueConstraint("category_id", "quarter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"), index=True)
    quarter_id: Mapped[int] = mapped_column(sa.ForeignKey("quarters.id"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"))


class Holiday(Base):
    """A public holiday: a day off that working-day deadlines skip."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    name_ky: Mapped[str] = mapped_column(sa.String(200))
    name_ru: Mapped[str] = mapped_column(sa.String(200))


KEPT_FOR_THE_UNIT_OF_WORK = (Municipality, Village, Quarter, Department, Category)


def _keep(target: Base, context) -> None:
    """Places and categories stay in the session's identity map once loaded.

    The identity map holds objects weakly, so a unit of work that runs many turns (group commit)
    would load the same municipality again for every turn that asks for it; these few rows are
    kept until the session ends, and ``session.get`` finds them.
    """
    if context.session is not None:
        context.session.info.setdefault("kept", set()).add(target)


for _model in KEPT_FOR_THE_UNIT_OF_WORK:
    event.listen(_model, "load", _keep)
