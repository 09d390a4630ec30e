"""The public side on the service's HTTP server: the Open311 API under ``/open311/v2/`` and the
municipalities' pages under ``/p/<code>/`` (main.py mounts it next to the back office)."""

from collections.abc import Callable

from aiohttp import web

from handlers.config import CoreConfig
from public.limits import PublicLimits
from public.open311.app import PREFIX as OPEN311
from public.open311.app import Open311, build_open311
from public.page import PageCache, PublicPages, build_pages
from storage.db import Database


def mount_public(http: web.Application, db: Database, config: CoreConfig, *, public_url: str | None,
                 wake: Callable[[], None], limits: PublicLimits | None = None, page_ttl: float = 120.0) -> None:
    windows = (limits or PublicLimits()).windows()
    http.add_subapp(OPEN311, build_open311(Open311(db, config, windows, public_url, wake)))
    http.add_subapp("/p", build_pages(PublicPages(db, config, PageCache(page_ttl)), windows.reads))
