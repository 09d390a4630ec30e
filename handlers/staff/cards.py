"""A request's card in its department's staff chat, kept up to date in place.

The card is a message with the ticket, category, quarter, text, where, the deadline and
who took it, and buttons for what staff can do. It is written to the outbox like any
message; later versions replace it (``Reply.edit_of``) and messages about the request
answer it (``Reply.reply_to``), so staff see one thread per request. Buttons carry
``card:<action>:<request id>``; the staff chat adapter hands presses to the desk.
"""

from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.envelope import MapPin, Option, Photo, Reply, Voice, bot_of
from handlers.i18n import N_, format_date, gettext, pick
from handlers.services.outbox import PRIORITY_NOTIFICATION, do_enqueue
from handlers.services.places import quarter_label
from handlers.services.requests import shorten, status_label
from handlers.services.same_problem import affected_counts
from handlers.staff.access import StaffAction
from handlers.staff.chats import staff_chat_identity
from storage.db import get_referenced
from storage.enums import AttachmentKind, Channel, Language, RequestStatus
from storage.models import Category, Department, Person, Quarter, Request, RequestAttachment, StaffCard, Village

CARD_PREFIX = "card"
CARD_BUTTONS = [
    (StaffAction.TAKE, N_("🙋 Take")),
    (StaffAction.ANSWER, N_("✍️ Answer")),
    (StaffAction.ASK, N_("❓ Ask the resident")),
    (StaffAction.FORWARD, N_("↪️ Forward")),
    (StaffAction.RESOLVE, N_("✅ Resolve")),
    (StaffAction.REJECT, N_("⛔ Reject")),
]
OPEN_BUTTONS = {StaffAction.TAKE, StaffAction.ANSWER, StaffAction.ASK, StaffAction.FORWARD, StaffAction.RESOLVE,
                StaffAction.REJECT}


def card_option(action: StaffAction, request_id: int, label: str) -> Option:
    return Option(f"{CARD_PREFIX}:{action.value}:{request_id}", gettext(Language.KY, label),
                  gettext(Language.RU, label))


def parse_card_option(value: str) -> tuple[StaffAction, int] | None:
    """``card:take:42`` → (TAKE, 42); anything else → None."""
    prefix, _, rest = value.partition(":")
    action, _, request_id = rest.partition(":")
    if prefix != CARD_PREFIX or not request_id.isdigit() or action not in StaffAction.__members__.values():
        return None
    return StaffAction(action), int(request_id)


async def card_reply(session: AsyncSession, request: Request, language: Language) -> Reply:
    category = await get_referenced(session, Category, request.category_id)
    quarter = await session.get(Quarter, request.quarter_id) if request.quarter_id else None
    assignee = await session.get(Person, request.assignee_person_id) if request.assignee_person_id else None
    photos = await session.scalar(sa.select(sa.func.count()).select_from(RequestAttachment)
                                  .where(RequestAttachment.request_id == request.id))
    _ = lambda message, **values: gettext(language, message, **values)  # noqa: E731
    lines = [
        f"📌 {request.ticket} · {status_label(request.status, language)}",
        "🗂 " + pick(language, category.name_ky, category.name_ru),
        "🏘 " + (quarter_label(quarter, await get_referenced(session, Village, quarter.village_id), language)
                if quarter else "—"),
        "⏰ " + _("Deadline: {date}", date=format_date(request.due_date, language)),
        "",
        shorten(request.description, 1500) or "—",
    ]
    if request.latitude is not None and request.longitude is not None:
        lines.append(f"📍 https://www.openstreetmap.org/?mlat={request.latitude}&mlon={request.longitude}")
    if request.address_text:
        lines.append("🏠 " + request.address_text)
    if photos:
        lines.append("📎 " + _("Attachments: {count} (in the back office)", count=photos))
    affected = (await affected_counts(session, [request.id]))[request.id]
    if affected > 1:
        lines.append("👥 " + _("Residents affected: {count}", count=affected))
    if assignee is not None:
        lines.append("🙋 " + _("Taken by: {name}", name=assignee.display_name or "—"))
    open_ = request.status in (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW)
    options = [card_option(action, request.id, label) for action, label in CARD_BUTTONS
               if open_ and action in OPEN_BUTTONS and not (action == StaffAction.TAKE and assignee is not None)]
    return Reply("\n".join(lines), options=options, language=language)


async def _department(session: AsyncSession, request: Request) -> Department | None:
    return await session.get(Department, request.department_id) if request.department_id else None


async def do_post_card(session: AsyncSession, request: Request, now: datetime) -> StaffCard | None:
    """Posts the card to the staff chat of the request's department (once per chat)."""
    department = await _department(session, request)
    if department is None or not department.staff_chat:
        return None
    existing = (await session.execute(sa.select(StaffCard).where(
        StaffCard.request_id == request.id, StaffCard.chat_address == department.staff_chat))).scalar_one_or_none()
    if existing is not None:
        await do_refresh_cards(session, request, now)
        return existing
    identity = await staff_chat_identity(session, department.staff_chat, now)
    message = do_enqueue(session, identity, await card_reply(session, request, department.staff_chat_language),
                         now, priority=PRIORITY_NOTIFICATION)
    await session.flush()
    card = StaffCard(request_id=request.id, chat_address=department.staff_chat, outbox_id=message.id, created_at=now)
    session.add(card)
    for reply in await _shown_under_the_card(session, request, department.staff_chat):
        reply = replace(reply, reply_to=message.id, language=department.staff_chat_language)
        do_enqueue(session, identity, reply, now, priority=PRIORITY_NOTIFICATION)
    return card


SHOWN_KINDS: dict[AttachmentKind, type[Photo] | type[Voice]] = {
    AttachmentKind.PHOTO: Photo, AttachmentKind.VOICE: Voice}


async def _shown_under_the_card(session: AsyncSession, request: Request, chat_address: str) -> list[Reply]:
    """The request's photos and voice notes (those the chat's bot can show) and its map pin."""
    channel, bot = chat_address.partition(":")[0], bot_of(chat_address)
    attachments = (await session.scalars(sa.select(RequestAttachment).where(
        RequestAttachment.request_id == request.id).order_by(RequestAttachment.id))).all()
    shown = []
    for attachment in attachments:
        kind = SHOWN_KINDS.get(attachment.kind)
        if kind and attachment.channel == channel:
            shown.append(Reply(f"📎 {request.ticket}", media=kind(attachment.file_ref, Channel(channel), bot)))
    if request.latitude is not None and request.longitude is not None:
        shown.append(Reply(f"📍 {request.ticket}",
                           media=MapPin(request.latitude, request.longitude)))
    return shown


async def do_refresh_cards(session: AsyncSession, request: Request, now: datetime) -> None:
    """Replaces every card of the request with its current state."""
    for card in (await session.scalars(sa.select(StaffCard).where(StaffCard.request_id == request.id))).all():
        language = await _chat_language(session, card.chat_address)
        identity = await staff_chat_identity(session, card.chat_address, now)
        reply = await card_reply(session, request, language)
        if card.chat_address != await _current_chat(session, request):
            reply = replace(reply, options=())  # forwarded elsewhere: this chat only watches
        reply = replace(reply, edit_of=card.outbox_id)
        do_enqueue(session, identity, reply, now, priority=PRIORITY_NOTIFICATION)


async def do_post_in_thread(session: AsyncSession, request: Request, text_by_language, now: datetime) -> int:
    """Posts a message under the request's cards (``text_by_language(language) -> str``); returns how many."""
    posted = 0
    for card in (await session.scalars(sa.select(StaffCard).where(StaffCard.request_id == request.id))).all():
        language = await _chat_language(session, card.chat_address)
        identity = await staff_chat_identity(session, card.chat_address, now)
        do_enqueue(session, identity, Reply(text_by_language(language), language=language, reply_to=card.outbox_id),
                   now, priority=PRIORITY_NOTIFICATION)
        posted += 1
    return posted


async def _chat_language(session: AsyncSession, address: str) -> Language:
    language = await session.scalar(sa.select(Department.staff_chat_language)
                                     .where(Department.staff_chat == address).limit(1))
    return language or Language.KY


async def _current_chat(session: AsyncSession, request: Request) -> str | None:
    department = await _department(session, request)
    return department.staff_chat if department else None
