"""Residents' requests (кайрылуу / обращение), their attachments, history and numbering."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import AnswerForm, AttachmentKind, Channel, Language, RequestEventKind, RequestSource, RequestStatus
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        sa.UniqueConstraint("municipality_id", "ticket"),
        sa.Index("ix_requests_municipality_status", "municipality_id", "status", "due_at"),
        sa.Index("ix_requests_municipality_created", "municipality_id", "created_at"),
        sa.Index("ix_requests_municipality_category", "municipality_id", "category_id", "created_at"),
        sa.Index("ix_requests_municipality_quarter", "municipality_id", "quarter_id", "created_at"),
        sa.Index("ix_requests_municipality_category_quarter", "municipality_id", "category_id", "quarter_id",
                 "created_at"),
        sa.Index("ix_requests_municipality_department", "municipality_id", "department_id", "created_at"),
        sa.Index("ix_requests_municipality_department_status", "municipality_id", "department_id", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"))
    ticket: Mapped[str] = mapped_column(sa.String(32))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("categories.id"))
    quarter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("quarters.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    channel: Mapped[Channel | None] = mapped_column(enum_type(Channel, "channel"))
    """The messenger it was written in; ``None`` for an appeal registered in the back office."""
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    description: Mapped[str] = mapped_column(sa.Text)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address_text: Mapped[str | None] = mapped_column(sa.String(500))
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus, "request_status"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    due_date: Mapped[date]
    """The last local (Asia/Bishkek) day on which the law requires an answer."""
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    """The end of ``due_date`` in Asia/Bishkek, in UTC: the moment the request becomes overdue."""
    assignee_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    """The staff member who took it."""
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """The first answer sent to the resident (the time to answer is measured to it)."""
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responsible_body_id: Mapped[int | None] = mapped_column(sa.ForeignKey("responsible_bodies.id"))
    """When rejected as not the municipality's matter: who is responsible instead."""
    extensions: Mapped[int] = mapped_column(default=0)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Escalated to the head because the deadline is near."""
    overdue_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Escalated to the head because the deadline has passed."""
    rating: Mapped[int | None]
    """The resident's rating, 1–5, after resolution."""
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    source: Mapped[RequestSource] = mapped_column(enum_type(RequestSource, "request_source"),
                                                  default=RequestSource.MESSENGER, server_default="messenger")
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When an appeal registered by staff reached the municipality (the term counts from then)."""
    registered_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    """The clerk who registered it, or the kvartalkom head who submitted it for a neighbour."""
    registered_late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Registered after the one working day the law allows from its receipt."""
    signatories: Mapped[int | None]
    """A collective appeal: how many people signed it."""
    answer_form: Mapped[AnswerForm | None] = mapped_column(enum_type(AnswerForm, "answer_form"))
    """How the first answer reached the applicant (the date is ``answered_at``)."""
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("requests.id"))
    """A duplicate merged into another request (its status is then ``merged``): that request."""
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    """The ticket and the description case-folded in Python, so a search ignores case in Kyrgyz
    and Russian whatever the database's locale (PostgreSQL with the C locale folds ASCII only)."""

    def index_for_search(self) -> None:
        self.search_text = f"{self.ticket} {self.description}".casefold()

    attachments: Mapped[list["RequestAttachment"]] = relationship(order_by="RequestAttachment.id")
    events: Mapped[list["RequestEvent"]] = relationship(order_by="RequestEvent.id")


class RequestAttachment(Base):
    __tablename__ = "request_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_type(AttachmentKind, "attachment_kind"))
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    file_ref: Mapped[str] = mapped_column(sa.String(500))
    """The channel's reference: a Telegram file_id, a Twilio media URL."""
    mime_type: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = created_at_column()


class RequestScan(Base):
    """A scan or photo of a paper appeal, uploaded in the back office (kept here: no messenger holds it)."""

    __tablename__ = "request_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(200))
    mime_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    uploaded_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    created_at: Mapped[datetime] = created_at_column()


class RequestEvent(Base):
    """One line of a request's history."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    kind: Mapped[RequestEventKind] = mapped_column(enum_type(RequestEventKind, "request_event_kind"))
    at: Mapped[datetime] = created_at_column()
    actor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    status_from: Mapped[RequestStatus | None] = mapped_column(enum_type(RequestStatus, "status_from"))
    status_to: Mapped[RequestStatus | None] = mapped_column(enum_type(RequestStatus, "status_to"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    text: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    """What else the event carries: the new due date, the rating, the responsible body…"""


class TicketCounter(Base):
    """The last ticket number handed out per municipality and year."""

    __tablename__ = "ticket_counters"

    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class RequestFollower(Base):
    """A resident who said an open request is their problem too («the same problem»): they are told
    its updates and counted among the residents it affects (its author is counted without a row)."""

    __tablename__ = "request_followers"
    __table_args__ = (sa.UniqueConstraint("request_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("requests.id"), index=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    """The language they joined in: the one they are told the updates in."""
    joined_at: Mapped[datetime] = created_at_column()
    rating: Mapped[int | None]
    """Their own rating, 1–5, of the request's resolution (the author's is ``Request.rating``)."""
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
