"""A resident answers staff about a request: replies to a clarifying question, or rates the
resolution (1–5) or says it is not solved, which reopens the request and escalates it.

Staff actions open these steps (``handlers.dialog.do_prompt_resident``); "My requests"
offers them too, for a resident who was busy when the question came.
"""

from handlers.engine.flow import Flow, Step
from handlers.engine.prompts import explain_unexpected, lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import InputKind
from handlers.errors import InvalidInput
from handlers.services.feedback import (
    do_rate_request,
    do_record_resident_reply,
    do_reopen_request,
    may_rate,
    open_question,
    request_to_rate,
)
from handlers.services.requests import request_of
from handlers.staff.notify import do_tell_staff_of_reopening, do_tell_staff_of_reply
from storage.models import Request

NOT_SOLVED = "not_solved"
LATER = "later"
STARS = {1: "1 ⭐", 2: "2 ⭐⭐", 3: "3 ⭐⭐⭐", 4: "4 ⭐⭐⭐⭐", 5: "5 ⭐⭐⭐⭐⭐"}


async def _request(turn: Turn) -> Request | None:
    return await request_of(turn.session, turn.resident.id, turn.data.get("request_id", 0))


# -- answering a clarifying question ----------------------------------------------------------
async def ask_reply(turn: Turn) -> None:
    request = await _request(turn)
    question = await open_question(turn.session, request.id) if request else None
    if request is None or question is None:
        turn.say(turn._("There is no open question about this request."))
        turn.go("menu", "main")
        return
    turn.ask(turn._("Request {ticket}. The staff asked:\n«{question}»\n\nWrite your answer (you can add a photo).",
                    ticket=request.ticket, question=question.text or ""),
             [turn.option("cancel", "✖ Cancel")])


async def on_reply(turn: Turn) -> None:
    request = await _request(turn)
    if request is None or await open_question(turn.session, request.id) is None:
        turn.go("menu", "main")
        return
    incoming = turn.message
    attachments = incoming.attachments if turn.kind in (InputKind.PHOTO, InputKind.DOCUMENT, InputKind.VOICE) else ()
    text = turn.text if turn.kind in (InputKind.TEXT, InputKind.PHOTO, InputKind.DOCUMENT) else ""
    if not attachments and (turn.kind != InputKind.TEXT or lacks_words(text)):
        explain_unexpected(turn)
        return
    try:
        event = do_record_resident_reply(turn.session, request, text, attachments, turn.identity.channel, turn.now)
    except InvalidInput:
        turn.say(turn._("That is too long: please keep the answer under {limit} characters.", limit=3000))
        return
    await do_tell_staff_of_reply(turn.session, request, event, turn.now)
    turn.say(turn._("Thank you! Your answer was passed to the staff."))
    turn.go("menu", "main")


# -- rating the resolution (the author, or a resident who follows the request) ------------------
async def _to_rate(turn: Turn) -> Request | None:
    request = await request_to_rate(turn.session, turn.resident.id, turn.data.get("request_id", 0))
    return request if request is not None and await may_rate(turn.session, request, turn.resident.id,
                                                             turn.now) else None


async def ask_rating(turn: Turn) -> None:
    request = await _to_rate(turn)
    if request is None:
        turn.go("menu", "main")
        return
    options = [turn.option(str(score), label) for score, label in STARS.items()]
    if request.person_id != turn.resident.id:  # a follower rates; reopening is the author's call
        turn.ask(turn._("Request {ticket} that you joined is resolved. How satisfied are you? Choose from 1 to 5.",
                        ticket=request.ticket), [*options, turn.option(LATER, "Later")])
        return
    options += [turn.option(NOT_SOLVED, "❌ Not solved"), turn.option(LATER, "Later")]
    turn.ask(turn._("Request {ticket} is resolved. How satisfied are you? Choose from 1 to 5, "
                    "or tell us it is not solved.", ticket=request.ticket), options)


async def on_rating(turn: Turn) -> None:
    choice = turn.choice()
    request = await _to_rate(turn)
    if request is None:
        turn.go("menu", "main")
    elif choice is None:
        explain_unexpected(turn)
    elif choice == LATER:
        if request.person_id == turn.resident.id:
            turn.say(turn._("You can rate it later in «My requests»."))
        turn.go("menu", "main")
    elif choice == NOT_SOLVED and request.person_id != turn.resident.id:
        explain_unexpected(turn)
    elif choice == NOT_SOLVED:
        event = do_reopen_request(turn.session, request, turn.now)
        await do_tell_staff_of_reopening(turn.session, request, event, turn.now)
        turn.say(turn._("We are sorry. Request {ticket} is open again and the head of the municipality "
                        "has been told.", ticket=request.ticket))
        turn.go("menu", "main")
    else:
        await do_rate_request(turn.session, request, int(choice), turn.now, person_id=turn.resident.id)
        turn.say(turn._("Thank you for your rating!"))
        turn.go("menu", "main")


FLOW = Flow(
    name="feedback",
    first="rate",
    steps={"reply": Step(ask_reply, on_reply), "rate": Step(ask_rating, on_rating)},
)
