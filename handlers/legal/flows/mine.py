"""An asker's own questions: the list, one question with its history and answer, and answering
a lawyer's clarifying question. Only the asker's own questions are ever shown: a number
typed for somebody else's is "not found"."""

import re

from handlers.engine.prompts import explain_unexpected, lacks_words
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.i18n import format_date, format_datetime
from handlers.legal import labels
from handlers.legal.questions import MAX_QUESTION_CHARS, question_of, questions_of
from handlers.legal.replies import do_record_asker_reply
from handlers.legal.topics import question_ref, topic_label
from handlers.services.requests import shorten, status_label
from storage.enums import RequestEventKind, RequestStatus

SHOWN = 10
_REF = re.compile(r"^\s*(?:q|к|Q|К)?[-\s№#]*(\d{1,9})\s*$", re.IGNORECASE)


def _back(turn: Turn) -> list[Option]:
    return [turn.option("back", "◀ My questions"), turn.option("menu", labels.MAIN_MENU)]


async def ask_list(turn: Turn) -> None:
    found = await questions_of(turn.session, turn.resident.id, limit=SHOWN)
    menu = turn.option("menu", labels.MAIN_MENU)
    if not found:
        turn.ask(turn._("You have not asked the lawyers anything yet."), [menu])
        return
    lines = [turn._("Your questions (the newest first):")]
    options = []
    for question in found:
        ref = question_ref(question.id)
        lines.append(f"{ref}: {status_label(question.status, turn.language)} · {shorten(question.text, 60)}")
        options.append(Option(f"q:{question.id}", ref, ref))
    lines.append(turn._("Choose a question to see its answer and history."))
    turn.ask("\n".join(lines), options + [menu])


async def on_list(turn: Turn) -> None:
    choice = turn.choice()
    typed = _REF.match(turn.text) if turn.kind == InputKind.TEXT and choice is None else None
    if choice == "menu":
        turn.go("menu", "main")
    elif choice is not None:
        turn.go("legal_mine", "detail", question_id=int(choice.removeprefix("q:")))
    elif typed is not None:
        turn.go("legal_mine", "detail", question_id=int(typed.group(1)))
    else:
        explain_unexpected(turn)


async def ask_detail(turn: Turn) -> None:
    question = await question_of(turn.session, turn.resident.id, turn.data.get("question_id", 0))
    options = _back(turn)
    if question is None:
        turn.ask(turn._("This question was not found among yours."), options)
        return
    language, tz = turn.language, turn.config.timezone
    lines = [turn._("Question {ref}", ref=question_ref(question.id)),
             topic_label(question.topic, language),
             turn._(labels.STATUS, status=status_label(question.status, language)),
             turn._(labels.ANSWER_DUE_BY, date=format_date(question.due_date, language)),
             shorten(question.text, 600)]
    if question.confidential:
        lines.append(turn._("🔒 Confidential: only the lawyers see it."))
    asked = False
    for event in question.events:
        when = format_datetime(event.at, language, tz)
        if event.kind == RequestEventKind.ANSWERED:
            lines.append(turn._("{when}: the lawyer's answer:\n{text}", when=when, text=event.text or ""))
        elif event.kind == RequestEventKind.CLARIFICATION_ASKED:
            lines.append(turn._("{when}: the lawyer asks: {text}", when=when, text=shorten(event.text or "", 400)))
            asked = True
        elif event.kind == RequestEventKind.RESIDENT_REPLIED:
            lines.append(turn._(labels.YOUR_ANSWER, when=when, text=shorten(event.text or "📎", 400)))
            asked = False
    if asked and question.status in (RequestStatus.RECEIVED, RequestStatus.IN_REVIEW):
        options.insert(0, turn.option("reply", "✍️ Answer the lawyer"))
    turn.ask("\n\n".join(lines), options)


async def on_detail(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "reply":
        turn.go("legal_mine", "reply", question_id=turn.data.get("question_id", 0))
    elif choice == "back":
        turn.go("legal_mine", "list")
    elif choice == "menu":
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


async def ask_reply(turn: Turn) -> None:
    turn.ask(turn._("Write your answer to the lawyer. You may attach a photo of a document."),
             [turn.option("back", "◀ My questions")])


async def on_reply(turn: Turn) -> None:
    question = await question_of(turn.session, turn.resident.id, turn.data.get("question_id", 0))
    if turn.choice() == "back" or question is None:
        turn.go("legal_mine", "list")
        return
    attachments = [{"kind": a.kind.value, "ref": a.ref, "mime_type": a.mime_type}
                   for a in (turn.message.attachments if turn.kind in (InputKind.PHOTO, InputKind.DOCUMENT) else ())]
    if not attachments and (turn.kind != InputKind.TEXT or lacks_words(turn.text)):
        turn.say(turn._("Please write your answer in words, or send a photo of the document."))
        return
    if len(turn.text) > MAX_QUESTION_CHARS:
        turn.say(turn._("Your answer is too long. Please write it shorter, up to {limit} characters.",
                        limit=MAX_QUESTION_CHARS))
        return
    await do_record_asker_reply(turn.session, turn.config, question, turn.text, attachments, turn.now)
    turn.say(turn._("Thank you, your answer is passed to the lawyer."))
    turn.go("menu", "main")
