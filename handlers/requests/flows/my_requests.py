"""A resident's own requests: a list, and one request with its history."""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import Option
from handlers.i18n import format_date, format_datetime, pick
from handlers.services.feedback import can_be_rated, open_question
from handlers.services.requests import request_of, requests_of, shorten, status_label
from storage.db import get_referenced
from storage.enums import RequestEventKind
from storage.models import Category

SHOWN = 10


async def ask_list(turn: Turn) -> None:
    found = await requests_of(turn.session, turn.resident.id, limit=SHOWN)
    menu = turn.option("menu", "◀ Main menu")
    if not found:
        turn.ask(turn._("You have no requests yet."), [menu])
        return
    lines = [turn._("Your requests (the newest first):")]
    options = []
    for index, request in enumerate(found, start=1):
        lines.append(f"{index}. {request.ticket}: {status_label(request.status, turn.language)} "
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
        turn._("Status: {status}", status=status_label(request.status, language)),
        turn._("Answer due by: {date}", date=format_date(request.due_date, language)),
        turn._("Description: {text}", text=shorten(request.description, 400) or "—"),
        turn._("History:"),
    ]
    for event in request.events:
        when = format_datetime(event.at, language, tz)
        if event.kind == RequestEventKind.CREATED:
            lines.append(turn._("{when}: received", when=when))
        elif event.kind == RequestEventKind.STATUS_CHANGED:
            assert event.status_to is not None, "a status change records the new status"
            lines.append(turn._("{when}: status «{status}»", when=when, status=status_label(event.status_to, language)))
        elif event.kind == RequestEventKind.ANSWERED:
            lines.append(turn._("{when}: answer: {text}", when=when, text=shorten(event.text or "", 800)))
        elif event.kind == RequestEventKind.CLARIFICATION_ASKED:
            lines.append(turn._("{when}: question from the staff: {text}", when=when,
                                text=shorten(event.text or "", 400)))
        elif event.kind == RequestEventKind.RESIDENT_REPLIED:
            lines.append(turn._("{when}: your answer: {text}", when=when, text=shorten(event.text or "—", 400)))
        elif event.kind == RequestEventKind.EXTENDED:
            lines.append(turn._("{when}: the deadline was extended: {text}", when=when, text=event.text or ""))
    turn.ask("\n".join(lines), options)


async def on_detail(turn: Turn) -> None:
    choice = turn.choice()
    if choice in ("reply", "rate"):
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
