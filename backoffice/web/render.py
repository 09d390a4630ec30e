"""Jinja2 pages in the visitor's language: one environment per language, with Jinja2's i18n
extension bound to that language's catalogs; autoescaping on, so residents' texts are inert."""

from functools import cache
from pathlib import Path

import jinja2
from aiohttp import web

from backoffice.web.office import PREFIX, VISIT, language_of
from bot.channels import CAPABILITIES
from handlers.config import BISHKEK
from handlers.i18n import format_date, format_datetime, format_number, format_share, gettext, translations
from storage.enums import Language

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGE_NAMES = {Language.KY: "Кыргызча", Language.RU: "Русский"}
CHANNEL_NAMES = {channel.value: capabilities.name for channel, capabilities in CAPABILITIES.items()}


@cache
def environment(language: Language) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
                             trim_blocks=True, lstrip_blocks=True)
    catalog = translations(language)
    env.install_gettext_callables(catalog.gettext, catalog.ngettext, newstyle=True)
    env.filters["when"] = lambda moment: format_datetime(moment, language, BISHKEK) if moment else ""
    env.filters["day"] = lambda day: format_date(day, language) if day else ""
    env.filters["number"] = lambda n: format_number(n, language) if n is not None else "—"
    env.filters["share_of"] = lambda part, whole: format_share(part, whole, language)
    env.globals.update(lang=language.value, prefix=PREFIX, language_names=LANGUAGE_NAMES, channel_names=CHANNEL_NAMES)
    return env


def say(request: web.Request, message: str, /, **values: object) -> str:
    """A text from Python code (marked with N_) in the visitor's language."""
    return gettext(language_of(request), message, **values)


def render(request: web.Request, template: str, *, status: int = 200, language: Language | None = None,
           **context: object) -> web.Response:
    """A page in the visitor's language, or in ``language`` (a receipt is in the applicant's)."""
    language = language or language_of(request)
    context.setdefault("visit", request.get(VISIT))
    context.setdefault("path", request.path_qs)
    html = environment(language).get_template(template).render(**context)
    response = web.Response(text=html, status=status, content_type="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response
