"""All tables, importable from one place (Alembic's target metadata)."""

from storage.models.backoffice import (
                                       AuditEntry,
                                       JobRun,
                                       ReplyTemplate,
                                       ResponsibleBody,
                                       SchedulerLease,
                                       StaffAccount,
                                       StaffCard,
                                       StaffSession,
)
from storage.models.base import Base
from storage.models.broadcasts import Broadcast, BroadcastMute, BroadcastRecipient
from storage.models.initiatives import (
                                       GroupMember,
                                       Hearing,
                                       HearingRegistration,
                                       InitiativeGroup,
                                       ParticipantProfile,
                                       Proposal,
)
from storage.models.legal import LegalAnswer, LegalAnswerUse, LegalEvent, LegalQuestion, LegalTerm
from storage.models.messaging import DeliverySlot, InboundMessage, Instance, IntakeItem, OutboxMessage, WhatsAppContent
from storage.models.people import ChannelIdentity, Conversation, Person, RoleGrant
from storage.models.places import Category, CategoryRoute, Department, Holiday, Municipality, Quarter, Village
from storage.models.requests import (
    Request,
    RequestAttachment,
    RequestEvent,
    RequestFollower,
    RequestScan,
    TicketCounter,
)
from storage.models.setup import OneTimeCode

__all__ = [
    "AuditEntry", "Base", "Broadcast", "BroadcastMute", "BroadcastRecipient", "Category", "CategoryRoute",
    "ChannelIdentity", "Conversation", "DeliverySlot", "Department", "GroupMember", "Hearing", "HearingRegistration",
    "Holiday", "InboundMessage", "InitiativeGroup", "Instance", "IntakeItem", "JobRun", "LegalAnswer", "LegalAnswerUse",
    "LegalEvent", "LegalQuestion", "LegalTerm", "Municipality", "OneTimeCode", "OutboxMessage", "ParticipantProfile",
    "Person", "Proposal", "Quarter", "ReplyTemplate", "Request", "RequestAttachment", "RequestEvent",
    "RequestFollower", "RequestScan",
    "ResponsibleBody", "RoleGrant", "SchedulerLease", "StaffAccount", "StaffCard", "StaffSession", "TicketCounter",
    "Village", "WhatsAppContent",
]
