"""Legal questions in the back office: the lawyers' queue, a question with its history, similar
published answers and the lawyer's actions (take, answer, ask the asker, hand over, publish:
edit the anonymised draft, approve), and the answer base (search, by topic, CSV export and
import). A head or administrator of a municipality reads its questions that are not
confidential; nobody else sees any. Every action goes through the lawyers' desk.
"""

from datetime import datetime, time

from aiohttp import web

from backoffice.web.export import _download
from backoffice.web.office import PREFIX, office_of, visit_of
from backoffice.web.pages import file_response
from backoffice.web.render import render, say
from handlers.errors import InvalidInput, NotFound
from handlers.i18n import N_
from handlers.legal.topics import TOPIC_LABELS
from handlers.services.requests import status_label
from storage.enums import LegalTopic

MAX_IMPORT_BYTES = 1024 * 1024
DONE = {
    "take": N_("You have taken the question."),
    "answer": N_("The answer has been sent to the asker. You can publish it in the answer base below."),
    "ask": N_("Your question has been sent to the asker."),
    "hand_over": N_("The question has been handed over."),
    "publish": N_("The anonymised draft is below: check it, correct it if needed, and approve it."),
    "approve": N_("The answer is published in the answer base."),
    "wrong": N_("Marked: this answer did not answer the question. It will be suggested less."),
}
INVALID = N_("This cannot be done with the question in its present state, or the text is empty or too long.")
IMPORT_FILE = N_("Choose a CSV file in UTF-8 of at most 1 MB, with the columns key, topic, language, question, answer.")


async def lawyer_of(request: web.Request):
    visit = visit_of(request)
    legal = office_of(request).legal
    return await legal.lawyer(visit.actor.person_id, via="web", language=visit.language) if legal else None


def _topics(request: web.Request) -> list[tuple[str, str]]:
    return [(topic.value, say(request, label)) for topic, label in TOPIC_LABELS.items()]


async def queue(request: web.Request) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    lawyer = await lawyer_of(request)
    if lawyer is not None:
        questions, reading = await office.legal.queue(lawyer, open_only=request.query.get("all") != "1"), False
    elif office.legal is not None and visit.actor.sees_everything:
        questions, reading = await office.legal.for_staff(visit.actor), True
    else:
        raise web.HTTPForbidden()
    return render(request, "legal_queue.html", questions=questions, reading=reading, topics=dict(_topics(request)),
                  status_of=lambda q: status_label(q.status, visit.language))


def _question_id(request: web.Request) -> int:
    return int(request.match_info["id"])


async def question_page(request: web.Request, *, status: int = 200, error: str | None = None) -> web.Response:
    office, visit = office_of(request), visit_of(request)
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    detail = await office.legal.detail(lawyer, _question_id(request))
    done = request.query.get("done")
    return render(request, "legal_question.html", status=status, detail=detail, error=error,
                  done=say(request, DONE[done]) if done in DONE else None, topics=dict(_topics(request)),
                  status_text=status_label(detail.question.status, visit.language),
                  colleagues=await office.legal.colleagues(lawyer, detail.question))


async def show_question(request: web.Request) -> web.Response:
    return await question_page(request)


async def question_attachment(request: web.Request) -> web.Response:
    """A document photo of the question (the n-th, from 1), for a lawyer who may see the question."""
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    question = (await office_of(request).legal.detail(lawyer, _question_id(request))).question
    number = int(request.match_info["n"])
    if not 1 <= number <= len(question.attachments):
        raise web.HTTPNotFound()
    found = question.attachments[number - 1]
    return await file_response(request, str(question.channel), found["ref"], f"Q-{question.id}-{number}")


async def act(request: web.Request) -> web.Response:
    office = office_of(request)
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    action, question_id, desk = request.match_info["action"], _question_id(request), office.legal
    form = await request.post()
    text = str(form.get("text", "")).replace("\r\n", "\n").strip()
    try:
        if action == "take":
            await desk.take(lawyer, question_id)
        elif action == "answer":
            await desk.answer(lawyer, question_id, text)
        elif action == "ask":
            await desk.ask_asker(lawyer, question_id, text)
        elif action == "hand_over":
            to = str(form.get("lawyer", ""))
            if not to.isdigit():
                raise InvalidInput("no lawyer chosen")
            await desk.hand_over(lawyer, question_id, int(to))
        elif action == "publish":
            await desk.prepare_publication(lawyer, question_id)
        elif action == "wrong":
            answer_id = str(form.get("answer_id", ""))
            if not answer_id.isdigit():
                raise InvalidInput("no answer chosen")
            await desk.mark_wrong(lawyer, question_id, int(answer_id))
        elif action == "approve":
            await desk.approve_publication(lawyer, question_id, str(form.get("question", "")).replace("\r\n", "\n"),
                                           str(form.get("answer", "")).replace("\r\n", "\n"))
        else:
            raise web.HTTPNotFound()
    except InvalidInput:
        return await question_page(request, status=400, error=say(request, INVALID))
    except NotFound as missing:
        raise web.HTTPNotFound() from missing
    raise web.HTTPSeeOther(f"{PREFIX}/legal/{question_id}?done={action}")


async def report(request: web.Request) -> web.Response:
    """The lawyers' figures for the last twelve months (from the first day of the month eleven months ago)."""
    office, visit = office_of(request), visit_of(request)
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    today = office.legal.clock().astimezone(office.legal.config.timezone).date().replace(day=1)
    first = today.replace(year=today.year - 1, month=today.month + 1) if today.month < 12 \
        else today.replace(month=1)
    since = datetime.combine(first, time(), tzinfo=office.legal.config.timezone)
    figures = await office.legal.report(lawyer, since)
    return render(request, "legal_report.html", report=figures, since=first, topics=dict(_topics(request)),
                  municipality=lambda mid: figures.municipality(mid, visit.language))


async def base(request: web.Request, *, status: int = 200, report=None, error: str | None = None) -> web.Response:
    office = office_of(request)
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    query = request.query.get("q", "")[:500]
    topic = request.query.get("topic", "")
    chosen = LegalTopic(topic) if topic in set(LegalTopic) else None
    answers = await office.legal.answers(query, chosen)
    return render(request, "legal_base.html", status=status, answers=answers, query=query, topic=topic,
                  topics=_topics(request), topic_names=dict(_topics(request)), report=report, error=error)


async def show_base(request: web.Request) -> web.Response:
    return await base(request)


async def export_base(request: web.Request) -> web.Response:
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    text = await office_of(request).legal.export_base(lawyer)
    return _download(("\ufeff" + text).encode("utf-8"), "text/csv", "legal-answers.csv")


async def import_base(request: web.Request) -> web.Response:
    lawyer = await lawyer_of(request)
    if lawyer is None:
        raise web.HTTPForbidden()
    form = await request.post()
    upload = form.get("file")
    data = upload.file.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "file") else b""
    if not data or len(data) > MAX_IMPORT_BYTES:
        return await base(request, status=400, error=say(request, IMPORT_FILE))
    try:
        report = await office_of(request).legal.import_base(lawyer, data.decode("utf-8-sig"))
    except (UnicodeDecodeError, InvalidInput):
        return await base(request, status=400, error=say(request, IMPORT_FILE))
    return await base(request, status=400 if report.errors else 200, report=report)


def add_legal_routes(app: web.Application) -> None:
    app.router.add_get("/legal", queue)
    app.router.add_get("/legal/base", show_base)
    app.router.add_get("/legal/report", report)
    app.router.add_get("/legal/base.csv", export_base)
    app.router.add_post("/legal/base/import", import_base)
    app.router.add_get(r"/legal/{id:\d{1,9}}", show_question)
    app.router.add_get(r"/legal/{id:\d{1,9}}/attachments/{n:\d{1,2}}", question_attachment)
    app.router.add_post(r"/legal/{id:\d{1,9}}/{action:[a-z_]{2,12}}", act)
