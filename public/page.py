"""Each municipality's public page, ``/p/<code>/`` (``?lang=ru`` for Russian; Kyrgyz by default): the
figures of ``handlers/transparency/figures.py`` as text and server-drawn SVG bars, no script, no
login. A page is rendered once per language and kept for ``ttl`` seconds, so a busy day costs the
database one reading per municipality and language per ``ttl``."""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from math import ceil
from pathlib import Path

import jinja2
from aiohttp import web
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal, format_percent

from backoffice.web.charts import bar_chart
from handlers.config import CoreConfig
from handlers.errors import NotFound
from handlers.i18n import BABEL_LOCALES, N_, format_datetime, format_number, gettext, translations
from handlers.services.requests import status_label
from handlers.services.setup import municipality_by_code
from handlers.transparency.figures import Figures, PublicHearings, public_figures
from handlers.transparency.open_data import month_csv
from public.limits import SlidingWindow
from storage.db import Database
from storage.enums import BroadcastKind, Language
from storage.types import utcnow

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
LANGUAGE_NAMES = {Language.KY: "Кыргызча", Language.RU: "Русский"}
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
NOT_FOUND = N_("There is no municipality with this code.")


@cache
def environment(language: Language) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
                             trim_blocks=True, lstrip_blocks=True)
    catalog = translations(language)
    env.install_gettext_callables(catalog.gettext, catalog.ngettext, newstyle=True)
    env.filters["number"] = lambda n: format_number(n, language)
    env.globals.update(lang=language.value, language_names=LANGUAGE_NAMES)
    return env


def _month(day, language: Language) -> str:
    return babel_format_date(day, format="LLL y", locale=BABEL_LOCALES[language])


def page_context(figures: Figures, language: Language, config: CoreConfig) -> dict:
    def number(n: int) -> str:
        return format_number(n, language)

    def named(value) -> str:
        return value(language)
    return {
        "figures": figures,
        "name": named(figures.municipality),
        "share": format_percent(figures.in_term_share, locale=BABEL_LOCALES[language])
        if figures.in_term_share is not None else None,
        "median": format_decimal(round(figures.median_days, 1), locale=BABEL_LOCALES[language])
        if figures.median_days is not None else None,
        "by_category": bar_chart([(named(c), n) for c, n in figures.by_category],
                                 title=gettext(language, "By category, this year"), number=number),
        "places": [(named(v), named(q), n) for v, q, n in figures.by_place],
        "by_place": bar_chart([(f"{named(v)}, {named(q)}", n) for v, q, n in figures.by_place],
                              title=gettext(language, "By village and quarter, this year"), number=number),
        "statuses": [(status_label(s, language), n) for s, n in figures.by_status],
        "by_status": bar_chart([(status_label(s, language), n) for s, n in figures.by_status],
                               title=gettext(language, "By status, this year"), number=number),
        "trend": [(_month(d, language), n) for d, n in figures.trend],
        "open_data": [(_month(d, language), f"{d:%Y-%m}") for d, _n in reversed(figures.trend)],
        "by_month": bar_chart([(_month(d, language), n) for d, n in figures.trend],
                              title=gettext(language, "By month, the last 12 months"), number=number),
        "announcements": [(format_datetime(a.sent_at, language, config.timezone), named(a.text),
                           a.kind == BroadcastKind.EMERGENCY) for a in figures.announcements],
        "upcoming": [(h, format_datetime(h.starts_at, language, config.timezone)) for h in figures.upcoming],
        "past": [(h, format_datetime(h.starts_at, language, config.timezone)) for h in figures.past],
    }


@dataclass
class PageCache:
    """Rendered pages by (code, language), each kept ``ttl`` seconds; one render at a time per key."""

    ttl: float
    clock: Callable[[], float] = time.monotonic
    _pages: dict[tuple[str, Language], tuple[float, str]] = field(default_factory=dict)
    _locks: dict[tuple[str, Language], asyncio.Lock] = field(default_factory=dict)

    async def get(self, key: tuple[str, Language], render) -> str:
        kept = self._pages.get(key)
        if kept is not None and kept[0] > self.clock():
            return kept[1]
        async with self._locks.setdefault(key, asyncio.Lock()):
            kept = self._pages.get(key)
            if kept is not None and kept[0] > self.clock():
                return kept[1]
            html = await render()
            self._pages[key] = (self.clock() + self.ttl, html)
            return html


@dataclass(frozen=True)
class PublicPages:
    db: Database
    config: CoreConfig
    cache: PageCache
    renders: list[int] = field(default_factory=lambda: [0])
    """How many times a page was drawn from the database (the cache's misses)."""

    async def render(self, code: str, language: Language) -> str:
        self.renders[0] += 1
        async with self.db.reader() as session:
            municipality = await municipality_by_code(session, code)
            figures = await public_figures(session, municipality, utcnow(), self.config.timezone,
                                           self.config.features.provided(PublicHearings))
        context = page_context(figures, language, self.config)
        return environment(language).get_template("page.html").render(code=municipality.code, **context)


PAGES = web.AppKey("public_pages", PublicPages)


def _language(request: web.Request) -> Language:
    return Language.RU if request.query.get("lang") == "ru" else Language.KY


async def _page(request: web.Request) -> web.Response:
    pages, language = request.app[PAGES], _language(request)
    code = request.match_info["code"].upper()
    try:
        html = await pages.cache.get((code, language), lambda: pages.render(code, language))
    except NotFound:
        html = environment(language).get_template("missing.html").render(message=gettext(language, NOT_FOUND))
        return web.Response(text=html, status=404, content_type="text/html", headers=HEADERS)
    return web.Response(text=html, content_type="text/html",
                        headers={**HEADERS, "Cache-Control": f"public, max-age={int(pages.cache.ttl)}"})


async def _open_data(request: web.Request) -> web.Response:
    pages = request.app[PAGES]
    try:
        month = date.fromisoformat(request.match_info["month"] + "-01")
    except ValueError:
        raise web.HTTPNotFound(text="a month is written YYYY-MM, e.g. 2026-11") from None
    async with pages.db.reader() as session:
        try:
            municipality = await municipality_by_code(session, request.match_info["code"])
        except NotFound:
            raise web.HTTPNotFound(text="no municipality with this code") from None
        text = await month_csv(session, municipality, month, pages.config.timezone, utcnow())
    filename = f"{municipality.code}-{month:%Y-%m}.csv"
    return web.Response(text=text, content_type="text/csv", charset="utf-8",
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'})


async def _to_slash(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(f"/p/{request.match_info['code']}/")


def build_pages(pages: PublicPages, reads: SlidingWindow) -> web.Application:
    """The sub-application; add it with ``app.add_subapp("/p", build_pages(pages, reads))``."""

    @web.middleware
    async def limited(request: web.Request, handler):
        wait = reads.retry_after(request.remote or "?")
        if wait is not None:
            return web.Response(status=429, text="429 Too Many Requests", headers={"Retry-After": str(ceil(wait))})
        return await handler(request)

    app = web.Application(middlewares=[limited])
    app[PAGES] = pages
    app.router.add_static("/static/", STATIC)
    app.router.add_get("/{code}/", _page)
    app.router.add_get(r"/{code}/open-data/{month:\d{4}-\d{2}}.csv", _open_data)
    app.router.add_get("/{code}", _to_slash)
    return app
