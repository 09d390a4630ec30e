"""Legal consultations: askers' questions to the LSG Union's lawyers, their history, and the
answer base that published (anonymised) answers join.

A question moves through the same statuses as a request (received, in review, resolved,
rejected) and carries a deadline watched like a request's (``reminded_at``, ``escalated_at``,
``overdue_escalated_at``). A confidential question is seen by lawyers only.
"""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.enums import AnswerStatus, Channel, Language, LegalTopic, RequestEventKind, RequestStatus
from storage.models.base import Base, created_at_column
from storage.types import UTCDateTime, enum_type


class LegalQuestion(Base):
    __tablename__ = "legal_questions"
    __table_args__ = (
        sa.Index("ix_legal_questions_status_due", "status", "due_at"),
        sa.Index("ix_legal_questions_municipality_created", "municipality_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(sa.ForeignKey("municipalities.id"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel, "channel"))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    topic: Mapped[LegalTopic] = mapped_column(enum_type(LegalTopic, "legal_topic"))
    text: Mapped[str] = mapped_column(sa.Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    """Document photos as the channel refers to them: ``[{"kind": "photo", "ref": …, "mime_type": …}]``."""
    confidential: Mapped[bool] = mapped_column(default=False)
    """Seen by lawyers only, never by the municipality's staff."""
    status: Mapped[RequestStatus] = mapped_column(enum_type(RequestStatus, "request_status"))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    due_date: Mapped[date]
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assignee_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    """The lawyer who took it."""
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    overdue_escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    card_outbox_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outbox.id"))
    """The question's card in the lawyers' chat (later versions replace it in place)."""

    events: Mapped[list["LegalEvent"]] = relationship(order_by="LegalEvent.id")


class LegalEvent(Base):
    """One line of a question's history (the kinds requests use)."""

    __tablename__ = "legal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("legal_questions.id"), index=True)
    kind: Mapped[RequestEventKind] = mapped_column(enum_type(RequestEventKind, "request_event_kind"))
    at: Mapped[datetime] = created_at_column()
    actor_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    text: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)


class LegalAnswer(Base):
    """An entry of the answer base: a question and its answer, anonymised, tagged with topic and language."""

    __tablename__ = "legal_answers"
    __table_args__ = (sa.Index("ix_legal_answers_status_topic", "status", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[AnswerStatus] = mapped_column(enum_type(AnswerStatus, "answer_status"))
    topic: Mapped[LegalTopic] = mapped_column(enum_type(LegalTopic, "legal_topic"))
    language: Mapped[Language] = mapped_column(enum_type(Language, "language"))
    question: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str] = mapped_column(sa.Text)
    demo: Mapped[bool] = mapped_column(default=False)
    """Shipped demo content, for lawyers to replace."""
    key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    """A stable name for imported entries (import updates the entry with the same key)."""
    source_question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("legal_questions.id"), unique=True)
    author_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    helped: Mapped[int] = mapped_column(default=0)
    """How many askers said "this answers my question" when it was suggested."""
    marked_wrong: Mapped[int] = mapped_column(default=0, server_default="0")
    """How many times a lawyer marked it as not answering a question it was suggested for."""
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LegalAnswerUse(Base):
    """A resident said a suggested answer answers their question: asked and answered from the base,
    without a lawyer (the lawyers' report counts these by municipality and month)."""

    __tablename__ = "legal_answer_uses"
    __table_args__ = (sa.Index("ix_legal_answer_uses_municipality_at", "municipality_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("legal_answers.id"))
    municipality_id: Mapped[int | None] = mapped_column(sa.ForeignKey("municipalities.id"))
    at: Mapped[datetime] = created_at_column()


class LegalTerm(Base):
    """One way to say a legal concept, in Kyrgyz or Russian («vacation_pay»: «отпускные», «өргүү акысы»):
    the lawyers' list of equivalents and synonyms that lets a question in one language find an answer
    written in the other (handlers/legal/terms.py). Seeded by migration 0010 from handlers/legal/terms.csv;
    the lawyers edit it in the back office."""

    __tablename__ = "legal_terms"
    __table_args__ = (sa.UniqueConstraint("concept", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concept: Mapped[str] = mapped_column(sa.String(60))
    term: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    changed_by_person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    """The lawyer who added it (none: the seed)."""
