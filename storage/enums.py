"""Enumerations stored in the database (as text, guarded by CHECK constraints)."""

from enum import StrEnum


class Language(StrEnum):
    KY = "ky"
    RU = "ru"


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    CONSOLE = "console"


class Role(StrEnum):
    RESIDENT = "resident"
    KVARTALKOM = "kvartalkom"
    DEPARTMENT_STAFF = "department_staff"
    LAWYER = "lawyer"
    HEAD = "head"
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    """Coordinator of an initiative group."""


class DepartmentKind(StrEnum):
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"


class RequestStatus(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    MERGED = "merged"
    """A duplicate joined to another request (``Request.merged_into_id``): closed, its people follow that one."""


class RequestEventKind(StrEnum):
    CREATED = "created"
    ROUTED = "routed"
    STATUS_CHANGED = "status_changed"
    ANSWERED = "answered"
    QUARTER_HEAD_COPIED = "quarter_head_copied"
    TAKEN = "taken"
    FORWARDED = "forwarded"
    CLARIFICATION_ASKED = "clarification_asked"
    RESIDENT_REPLIED = "resident_replied"
    NOTE = "note"
    """An internal note: staff only, never shown to the resident."""
    EXTENDED = "extended"
    REMINDED = "reminded"
    ESCALATED = "escalated"
    RATED = "rated"
    REOPENED = "reopened"
    MERGED = "merged"
    """This request, a duplicate, was merged into another (``detail``: its id and ticket)."""
    MERGED_IN = "merged_in"
    """A duplicate was merged into this request (``detail``: its id, its ticket, the residents who joined)."""


class RequestSource(StrEnum):
    """How an appeal reached the municipality (the register's «how it arrived» column)."""

    MESSENGER = "messenger"
    """Written by the resident in Telegram or WhatsApp."""
    RECEPTION = "reception"
    """Brought in person to the reception desk and registered by a clerk."""
    PAPER = "paper"
    """A letter or a paper left at the office, registered by a clerk."""
    PHONE = "phone"
    EMAIL = "email"
    KVARTALKOM = "kvartalkom"
    """Submitted from the bot by a kvartalkom head for a neighbour."""


OFFICE_SOURCES = (RequestSource.RECEPTION, RequestSource.PAPER, RequestSource.PHONE, RequestSource.EMAIL)
"""The sources a clerk registers in the back office."""


class AnswerForm(StrEnum):
    """How the answer reached the applicant."""

    MESSENGER = "messenger"
    PAPER = "paper"
    PHONE = "phone"
    IN_PERSON = "in_person"


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"
    DOCUMENT = "document"
    VIDEO = "video"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    NEEDS_TEMPLATE = "needs_template"
    """WhatsApp: outside the 24-hour window and no approved template configured; staff must act."""
    CANCELLED = "cancelled"
    """Not sent, and never will be: its broadcast was stopped while it was sending."""


class MessageDirection(StrEnum):
    IN = "in"
    OUT = "out"


class IntakeStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class AuditOutcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


class BroadcastKind(StrEnum):
    ORDINARY = "ordinary"
    MEETING = "meeting"
    """An invitation: residents can answer "I will come"."""
    EMERGENCY = "emergency"
    """Goes first, ignores quiet hours and mutes."""
    HEARING = "hearing"
    """A public hearing's announcement: "I will come" registers the resident."""


class BroadcastStatus(StrEnum):
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class BroadcastAck(StrEnum):
    SEEN = "seen"
    COMING = "coming"


class LegalTopic(StrEnum):
    """Topics of legal questions: the LSG Union's most frequent ones, then the others."""

    EMERGENCIES = "emergencies"
    LABOUR = "labour"
    """Labour law and municipal service: vacation pay and other payments."""
    HEAD_DISMISSAL = "head_dismissal"
    """Early dismissal of the head of the aiyl okmotu."""
    PROPERTY = "property"
    """Management of municipal property."""
    LAND = "land"
    BUDGET = "budget"
    COUNCIL = "council"
    """The local council (keнеш)."""
    OTHER = "other"


class AnswerStatus(StrEnum):
    DRAFT = "draft"
    """Anonymised and waiting for the lawyer's approval: never shown in search."""
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class MembershipStatus(StrEnum):
    """A resident's place in an initiative group (демилгелүү топ)."""

    PENDING = "pending"
    """Asked to join; the coordinator has not decided yet."""
    MEMBER = "member"
    DECLINED = "declined"
    LEFT = "left"


class Gender(StrEnum):
    """Asked optionally, for participation statistics only."""

    FEMALE = "female"
    MALE = "male"


class AgeGroup(StrEnum):
    """Asked optionally, for participation statistics only."""

    UNDER_30 = "18-29"
    FROM_30 = "30-44"
    FROM_45 = "45-59"
    FROM_60 = "60+"


class HearingKind(StrEnum):
    BUDGET = "budget"
    """The local budget."""
    PROGRAMME = "programme"
    """The social-economic development programme (СЭӨП / ПСЭР)."""
    OTHER = "other"


class HearingStatus(StrEnum):
    ANNOUNCED = "announced"
    CLOSED = "closed"
    """Held; proposals that arrive now are kept and marked late."""
    CANCELLED = "cancelled"


class ProposalOutcome(StrEnum):
    ACCEPTED = "accepted"
    """Taken into the budget / programme."""
    PARTLY = "partly"
    REJECTED = "rejected"
    """Rejected, with a reason."""
    MERGED = "merged"
    """Merged with another proposal."""


class CodePurpose(StrEnum):
    """What a one-time code opens."""

    FIRST_RUN = "first_run"
    """The first-run link: creates the deployment's operator account and first municipality."""
    INVITATION = "invitation"
    """A staff member's invitation: binds their messenger to the staff record."""
    STAFF_GROUP = "staff_group"
    """A Telegram group's code: links the group to a department."""
