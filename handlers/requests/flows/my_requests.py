"""A resident's own requests: a list, and one request with its history."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import Option, Photo, Reply, bot_of
from handlers.i18n import format_date, format_datetime, pick
from handlers.services.answerers import answerer_label
from handlers.services.feedback import can_be_rated, open_question
from handlers.services.requests import request_of, requests_of, shorten, status_label
from storage.db import get_referenced
from storage.enums import AttachmentKind, RequestEventKind, RequestStatus
from storage.models import Category, Department, Request

SHOWN = 10
PHOTOS = "photos"


def map_link(latitude: float, longitude: float) -> str:
    return f"https://www.openstreetmap.org/?mlat={latitude:.5f}&mlon={longitude:.5f}#map=18/{latitude:.5f}/{longitude:.5f}"


def _photos_here(turn: Turn, request: Request) -> list[Photo]:
    """The request's photos this channel can show again (a file reference belongs to its channel)."""
    channel = turn.identity.channel
    return [Photo(a.file_ref, channel, bot_of(turn.identity.address)) for a in request.attachments
            if a.kind == AttachmentKind.PHOTO and a.channel == channel]


async def _status(turn: Turn, request: Request) -> str:
    """The status as the resident reads it; a merged request names the request it went into."""
    if request.status == RequestStatus.MERGED and request.merged_into_id is not None:
        target = await get_referenced(turn.session, Request, request.merged_into_id)
        return turn._("merged into {ticket}", ticket=target.ticket)
    return status_label(request.status, turn.language)


async def ask_list(turn: Turn) -> None:
    found = await requests_of(turn.session, turn.resident.id, limit=SHOWN)
    menu = turn.option("menu", "◀ Main menu")
    if not found:
        turn.ask(turn._("You have no requests yet."), [menu])
        return
    lines = [turn._("Your requests (the newest first):")]
    options = []
    for index, request in enumerate(found, start=1):
        lines.append(f"{index}. {request.ticket}: {await _status(turn, request)} "
                     f"({format_date(request.created_at.astimezone(turn.config.timezone).date(), turn.language)})")
        options.append(Option(f"r:{request.id}", request.ticket, request.ticket))
    lines.append(turn._("Choose a request to see its history."))
    turn.ask("\n".join(lines), options + [menu])


async def on_list(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "menu":
        turn.go("menu", "main")
    elif choice is not None:
        turn.go("my_requests", "detail", request_id=int(choice.removeprefix("r:")))
    else:
        explain_unexpected(turn)


async def ask_detail(turn: Turn) -> None:
    request = await request_of(turn.session, turn.resident.id, turn.data.get("request_id", 0))
    options = [turn.option("back", "◀ My requests"), turn.option("menu", "◀ Main menu")]
    if request is None:
        turn.ask(turn._("This request was not found."), options)
        return
    if await open_question(turn.session, request.id) is not None:
        options.insert(0, turn.option("reply", "✍️ Answer the staff's question"))
    if can_be_rated(request, turn.now):
        options.insert(0, turn.option("rate", "⭐ Rate the answer"))
    language, tz = turn.language, turn.config.timezone
    category = await get_referenced(turn.session, Category, request.category_id)
    lines = [
        turn._("Request {ticket}", ticket=request.ticket),
        turn._("Category: {name}", name=pick(language, category.name_ky, category.name_ru)),
        turn._("Status: {status}", status=await _status(turn, request)),
        turn._("Answer due by: {date}", date=format_date(request.due_date, language)),
        turn._("Description: {text}", text=shorten(request.description, 400) or "—"),
    ]
    if request.department_id is not None:
        department = await get_referenced(turn.session, Department, request.department_id)
        lines.append(turn._("Handled by: {department}", department=pick(language, department.name_ky,
                                                                        department.name_ru)))
    if request.address_text:
        lines.append(turn._("Address: {address}", address=request.address_text))
    if request.latitude is not None and request.longitude is not None:
        lines.append(turn._("On the map: {link}", link=map_link(request.latitude, request.longitude)))
    photos = sum(1 for a in request.attachments if a.kind == AttachmentKind.PHOTO)
    if photos:
        lines.append(turn.n_("{n} photo", "{n} photos", photos))
    if _photos_here(turn, request):
        options.insert(0, turn.option(PHOTOS, "🖼 Show the photos"))
    lines.append(turn._("History:"))
    for event in request.events:
        when = format_datetime(event.at, language, tz)
        if event.kind == RequestEventKind.CREATED:
            lines.append(turn._("{when}: received", when=when))
        elif event.kind == RequestEventKind.STATUS_CHANGED:
            assert event.status_to is not None, "a status change records the new status"
            lines.append(turn._("{when}: status «{status}»", when=when, status=status_label(event.status_to, language)))
        elif event.kind == RequestEventKind.ANSWERED:
            lines.append(turn._("{when}: answer: {text}", when=when, text=shorten(event.text or "", 800)))
            who = await answerer_label(turn.session, event.actor_person_id, request.municipality_id,
                                       request.department_id, language)
            if who:
                lines.append(turn._("Answered by: {who}", who=who))
        elif event.kind == RequestEventKind.CLARIFICATION_ASKED:
            lines.append(turn._("{when}: question from the staff: {text}", when=when,
                                text=shorten(event.text or "", 400)))
        elif event.kind == RequestEventKind.RESIDENT_REPLIED:
            lines.append(turn._("{when}: your answer: {text}", when=when, text=shorten(event.text or "—", 400)))
        elif event.kind == RequestEventKind.MERGED and event.detail:
            lines.append(turn._("{when}: merged into request {ticket} about the same problem; you get its updates",
                                when=when, ticket=event.detail["ticket"]))
        elif event.kind == RequestEventKind.EXTENDED:
            lines.append(turn._("{when}: the deadline was extended: {text}", when=when, text=event.text or ""))
    turn.ask("\n".join(lines), options)


async def on_detail(turn: Turn) -> None:
    choice = turn.choice()
    request = await request_of(turn.session, turn.resident.id, turn.data.get("request_id", 0))
    if choice == PHOTOS and request is not None:
        for photo in _photos_here(turn, request):
            turn.replies.append(Reply(f"🖼 {request.ticket}", language=turn.conversation.language, media=photo))
    elif choice in ("reply", "rate"):
        turn.go("feedback", choice, request_id=turn.data.get("request_id", 0))
    elif choice == "back":
        turn.go("my_requests", "list")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


FLOW = Flow(
    name="my_requests",
    first="list",
    steps={"list": Step(ask_list, on_list), "detail": Step(ask_detail, on_detail)},
)
