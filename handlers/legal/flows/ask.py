"""Asking a lawyer: topic, the question (a document photo may come with it), the published
answers that answer it, if any (the search's floor: none rather than a near miss; the chosen
topic's answers, all for «Other»; each in the asker's language when it exists, else marked);
"this answers my question" ends here and is counted. With none, the asker is told plainly that
there is no ready answer and a lawyer will answer within the term. Then confidential or not, and
the question is queued."""

from handlers.engine.prompts import explain_unexpected
from handlers.engine.turn import Turn
from handlers.envelope import InputKind, Option
from handlers.i18n import format_date, format_number
from handlers.legal import labels
from handlers.legal.questions import (
    MAX_QUESTION_CHARS,
    QuestionDraft,
    QuestionProblem,
    check_question_text,
    do_note_helped,
    do_submit_question,
    published_answer,
)
from handlers.legal.search import Hit, search_answers
from handlers.legal.topics import TOPIC_LABELS, question_ref
from handlers.services.requests import shorten
from storage.enums import Language, LegalTopic

SUGGESTED = 3
MAX_PHOTOS = 5


def _cancel(turn: Turn) -> Option:
    return turn.option("cancel", labels.CANCEL)


async def ask_topic(turn: Turn) -> None:
    turn.ask(turn._("What is your question about? Choose a topic."),
             [turn.option(f"t:{topic.value}", label) for topic, label in TOPIC_LABELS.items()] + [_cancel(turn)])


async def on_topic(turn: Turn) -> None:
    choice = turn.choice()
    if choice is None or not choice.startswith("t:"):
        explain_unexpected(turn)
        return
    turn.update(topic=choice.removeprefix("t:"), text="", attachments=[], suggested=[])
    turn.go("legal_ask", "text")


async def ask_text(turn: Turn) -> None:
    turn.ask(turn._("Write your question in a few sentences: what happened and what you want to know. "
                    "You may attach a photo of a document. Do not write other people's personal data."),
             [_cancel(turn)])


async def on_text(turn: Turn) -> None:
    kind = turn.kind
    if kind in (InputKind.PHOTO, InputKind.DOCUMENT):
        attachments = turn.data.get("attachments", []) + [
            {"kind": a.kind.value, "ref": a.ref, "mime_type": a.mime_type} for a in turn.message.attachments]
        turn.update(attachments=attachments[:MAX_PHOTOS])
        if not turn.text:
            turn.say(turn._("The photo of the document is kept. Now write your question in words: "
                            "a lawyer needs to know what you are asking."))
            return
    elif kind != InputKind.TEXT:
        turn.say(turn._("Please write your question in words."))
        return
    try:
        text = check_question_text(turn.text)
    except QuestionProblem as problem:
        turn.say(_problem_text(turn, problem.reason))
        return
    turn.update(text=text)
    turn.go("legal_ask", "suggest")


def _problem_text(turn: Turn, reason: str) -> str:
    if reason == "too_long":
        return turn._("Your question is too long ({length} characters). Please write it shorter, up to "
                      "{limit} characters: the main facts and what you want to know.",
                      length=format_number(len(turn.text), turn.language),
                      limit=format_number(MAX_QUESTION_CHARS, turn.language))
    if reason == "too_short":
        return turn._("That is too short for a lawyer to answer. Please describe the situation in a few "
                      "sentences: who, what happened, what you want to know.")
    return turn._("Please write your question in words.")


async def ask_suggest(turn: Turn) -> None:
    hits = await search_answers(turn.session, turn.data.get("text", ""), language=turn.language, limit=SUGGESTED,
                                topic=LegalTopic(turn.data["topic"]))
    if not hits:
        turn.say(turn._("There is no ready answer to your question in the base of published answers. "
                        "A lawyer will answer it within the term."))
        turn.go("legal_ask", "confidential")
        return
    lines = [turn._("Before you send it: these published answers may already answer your question.")]
    options = []
    for number, hit in enumerate(hits, start=1):
        lines.append(f"\n{number}) {shorten(hit.answer.question, 200)}\n{shorten(hit.answer.answer, 500)}"
                     + "".join(f"\n{note}" for note in _notes(turn, hit)))
        options.append(turn.option(f"helped:{hit.answer.id}", "✅ Answer {number} answers my question",
                                   number=number))
    turn.update(suggested=[hit.answer.id for hit in hits])
    turn.ask("\n".join(lines), options + [turn.option("no", "➡️ No, send my question to a lawyer"), _cancel(turn)])


def _notes(turn: Turn, hit: Hit) -> list[str]:
    notes = []
    if hit.other_language:
        notes.append(turn._("(Only in Russian.)") if hit.answer.language == Language.RU
                     else turn._("(Only in Kyrgyz.)"))
    if hit.answer.demo:
        notes.append(turn._("(Demo content: an example, not checked legal advice.)"))
    return notes


async def on_suggest(turn: Turn) -> None:
    choice = turn.choice()
    if choice == "no":
        turn.go("legal_ask", "confidential")
    elif choice and choice.startswith("helped:"):
        answer_id = int(choice.removeprefix("helped:"))
        answer = await published_answer(turn.session, answer_id) if answer_id in turn.data.get("suggested", []) \
            else None
        if answer is not None:
            await do_note_helped(turn.session, answer.id, municipality_id=turn.resident.municipality_id, now=turn.now)
            turn.say(f"{answer.question}\n\n{answer.answer}")
        turn.say(turn._("Glad it helped. Your question was not sent; you can ask a lawyer at any time."))
        turn.go("menu", "main")
    else:
        explain_unexpected(turn)


async def ask_confidential(turn: Turn) -> None:
    turn.ask(turn._("Should the question be confidential? Then only the lawyers see it, not the staff of your "
                    "municipality (for example, if it is about the head of your aiyl okmotu)."),
             [turn.option("private", "🔒 Yes, lawyers only"), turn.option("open", "No, it is not confidential"),
              _cancel(turn)])


async def on_confidential(turn: Turn) -> None:
    choice = turn.choice()
    if choice not in ("private", "open"):
        explain_unexpected(turn)
        return
    draft = QuestionDraft(topic=LegalTopic(turn.data["topic"]), text=turn.data["text"],
                          attachments=turn.data.get("attachments", []), confidential=choice == "private",
                          suggested=tuple(turn.data.get("suggested", [])))
    question = await do_submit_question(turn.session, turn.config, person=turn.resident,
                                        channel=turn.identity.channel, language=turn.language, draft=draft,
                                        now=turn.now)
    turn.say(turn._("Your question is sent to the lawyers. Its number is {ref}.\nThe answer is due by: {date}\n"
                    "We will write to you here; you can follow it in «My questions».",
                    ref=question_ref(question.id), date=format_date(question.due_date, turn.language)))
    turn.go("menu", "main")
