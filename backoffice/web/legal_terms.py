"""The lawyers' list of Kyrgyz/Russian legal equivalents and synonyms in the back office
(``/legal/terms``): the concepts with their terms, a term added or removed, the whole list as a
CSV file (download, or upload to replace it). Only lawyers see or change it; anybody else's
attempt to change it is refused and logged. Every change goes through the lawyers' desk, which
logs it and makes the next search use it."""

from itertools import groupby

from aiohttp import web

from backoffice.web.export import _download
from backoffice.web.legal import MAX_IMPORT_BYTES, lawyer_of
from backoffice.web.office import PREFIX, office_of, visit_of
from backoffice.web.render import render, say
from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.i18n import N_
from handlers.legal.term_base import TermAction
from handlers.legal.terms import MAX_CONCEPT_CHARS, MAX_TERM_CHARS, BadTerms

DONE = {
    "add": N_("The term is added. The next search uses it."),
    "remove": N_("The term is removed. The next search no longer uses it."),
    "import": N_("The list is replaced by the file's. The next search uses it."),
}
PROBLEMS = {
    "concept": N_("The concept is one word of letters, digits, «_» or «-», of at most 60 characters "
                  "(for example vacation_pay)."),
    "term": N_("The term must have at least one word and at most 200 characters."),
    "header": N_("The first row of the file must be the header: concept,term."),
    "columns": N_("Each row must have exactly two columns: the concept and the term."),
    "empty": N_("The file has no terms."),
    "too_many": N_("The file has too many terms (at most 10,000)."),
}
ALREADY = N_("This concept has this term already.")
IMPORT_FILE = N_("Choose a CSV file in UTF-8 of at most 1 MB, with the columns concept and term.")
AT_LINE = N_("Line {line}: {problem} Nothing was changed.")


async def _lawyer_or_refused(request: web.Request, action: TermAction):
    """The lawyer changing (or downloading) the list; anyone else is refused, and the refusal logged."""
    lawyer = await lawyer_of(request)
    if lawyer is None:
        office = office_of(request)
        if office.legal is not None:
            await office.legal.refuse_terms(visit_of(request).actor, action)
        raise NotAllowed(f"{action.value}: not a lawyer")
    return lawyer


def _problem(request: web.Request, bad: BadTerms) -> str:
    problem = say(request, PROBLEMS[bad.problem])
    return say(request, AT_LINE, line=bad.line, problem=problem) if bad.line else problem


async def terms_page(request: web.Request, *, status: int = 200, error: str | None = None,
                     concept: str = "", term: str = "") -> web.Response:
    if await lawyer_of(request) is None:
        raise web.HTTPForbidden()
    terms = await office_of(request).legal.terms()
    concepts = [(name, list(rows)) for name, rows in groupby(terms, key=lambda t: t.concept)]
    done = request.query.get("done")
    return render(request, "legal_terms.html", status=status, concepts=concepts, count=len(terms), error=error,
                  done=say(request, DONE[done]) if done in DONE else None, concept=concept, term=term,
                  max_concept=MAX_CONCEPT_CHARS, max_term=MAX_TERM_CHARS)


async def show_terms(request: web.Request) -> web.Response:
    return await terms_page(request)


async def add_term(request: web.Request) -> web.Response:
    lawyer = await _lawyer_or_refused(request, TermAction.ADD)
    form = await request.post()
    concept, term = str(form.get("concept", "")), str(form.get("term", ""))
    try:
        await office_of(request).legal.add_term(lawyer, concept, term)
    except BadTerms as bad:
        return await terms_page(request, status=400, error=_problem(request, bad), concept=concept, term=term)
    except InvalidInput:
        return await terms_page(request, status=400, error=say(request, ALREADY), concept=concept, term=term)
    raise web.HTTPSeeOther(f"{PREFIX}/legal/terms?done=add")


async def remove_term(request: web.Request) -> web.Response:
    lawyer = await _lawyer_or_refused(request, TermAction.REMOVE)
    try:
        await office_of(request).legal.remove_term(lawyer, int(request.match_info["id"]))
    except NotFound as missing:
        raise web.HTTPNotFound() from missing
    raise web.HTTPSeeOther(f"{PREFIX}/legal/terms?done=remove")


async def export_terms(request: web.Request) -> web.Response:
    lawyer = await _lawyer_or_refused(request, TermAction.EXPORT)
    text = await office_of(request).legal.export_terms(lawyer)
    return _download(("\ufeff" + text).encode("utf-8"), "text/csv", "legal-terms.csv")


async def import_terms(request: web.Request) -> web.Response:
    lawyer = await _lawyer_or_refused(request, TermAction.IMPORT)
    form = await request.post()
    upload = form.get("file")
    data = upload.file.read(MAX_IMPORT_BYTES + 1) if hasattr(upload, "file") else b""
    if not data or len(data) > MAX_IMPORT_BYTES:
        return await terms_page(request, status=400, error=say(request, IMPORT_FILE))
    try:
        await office_of(request).legal.import_terms(lawyer, data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return await terms_page(request, status=400, error=say(request, IMPORT_FILE))
    except BadTerms as bad:
        return await terms_page(request, status=400, error=_problem(request, bad))
    raise web.HTTPSeeOther(f"{PREFIX}/legal/terms?done=import")


def add_legal_terms_routes(app: web.Application) -> None:
    app.router.add_get("/legal/terms", show_terms)
    app.router.add_get("/legal/terms.csv", export_terms)
    app.router.add_post("/legal/terms/add", add_term)
    app.router.add_post(r"/legal/terms/{id:\d{1,9}}/remove", remove_term)
    app.router.add_post("/legal/terms/import", import_terms)
