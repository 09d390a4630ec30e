"""«Is this the same problem?»: shown after ✅ Send only when open requests like the resident's exist.

    confirm ─(Send, something similar)─► same ─► join one (follow it) ─► main menu
                                              └► send my own ─► send
Nothing personal is shown: the ticket, the category, how long ago and the status.
"""

from datetime import datetime

from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.i18n import pick
from handlers.requests.flows.draft_input import draft_of
from handlers.requests.privacy import PrivateSubmission
from handlers.services import places
from handlers.services.requests import Draft, status_label
from handlers.services.same_problem import OPEN, Where, do_follow, similar_open_requests
from handlers.staff.cards import do_refresh_cards
from storage.models import Request

OWN = "own"
JOIN = "join:"


async def similar_to(turn: Turn, draft: Draft) -> list[Request]:
    if draft.category_id is None:
        return []
    where = Where(turn.resident.quarter_id, draft.latitude, draft.longitude)
    private = turn.config.features.provided(PrivateSubmission)
    return await similar_open_requests(turn.session, person=turn.resident, category_id=draft.category_id,
                                       where=where, now=turn.now,
                                       private_ids=private[0].marked_ids() if private else None)


def _ago(turn: Turn, created_at: datetime) -> str:
    days = (turn.now - created_at).days
    return turn._("today") if days < 1 else turn.n_("{n} day ago", "{n} days ago", days)


async def ask_same(turn: Turn) -> None:
    similar = await similar_to(turn, draft_of(turn))
    if not similar:  # taken or closed meanwhile: nothing to offer
        turn.go("request", "send")
        return
    lines = [turn._("Is this the same problem? Residents nearby have already reported:")]
    options = []
    for request in similar:
        category = await places.category_in(turn.session, request.municipality_id, request.category_id)
        name = pick(turn.language, category.name_ky, category.name_ru) if category else ""
        lines.append(f"• {request.ticket} · {name} · {_ago(turn, request.created_at)} · "
                     f"{status_label(request.status, turn.language)}")
        options.append(turn.option(f"{JOIN}{request.id}", "➕ Join {ticket}", ticket=request.ticket))
    lines.append(turn._("If it is the same, join it: you will be told of its progress and counted among "
                        "the residents it affects. Otherwise send your own request."))
    turn.ask("\n".join(lines), [*options, turn.option(OWN, "📨 Send my own"), turn.option("cancel", "✖ Cancel")])


async def on_same(turn: Turn) -> None:
    choice = turn.choice()
    if choice == OWN:
        turn.go("request", "send")
    elif choice == "cancel":
        turn.go("request", "cancel")
    elif choice is not None and choice.startswith(JOIN):
        await _do_join(turn, int(choice.removeprefix(JOIN)))
    else:
        explain_unexpected(turn)


async def _do_join(turn: Turn, request_id: int) -> None:
    """Follows the chosen request (joining it again changes nothing) and ends the draft."""
    request = await turn.session.get(Request, request_id)
    resident = turn.resident
    if (request is None or request.municipality_id != resident.municipality_id
            or request.status not in OPEN):
        turn.say(turn._("This request can no longer be joined. You can send your own."))
        turn.go("request", "confirm")
        return
    if await do_follow(turn.session, request, resident, turn.language, turn.now):
        await do_refresh_cards(turn.session, request, turn.now)  # the staff see one more resident affected
    turn.conversation.data = {}
    turn.say(turn._("You have joined request {ticket}. We will write to you here when its status changes.",
                    ticket=request.ticket))
    turn.go_home()
