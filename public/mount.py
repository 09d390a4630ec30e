"""The public side on the service's HTTP server: the Open311 API under ``/open311/v2/`` (main.py
mounts it next to the back office)."""

from collections.abc import Callable

from aiohttp import web

from handlers.config import CoreConfig
from public.limits import PublicLimits
from public.open311.app import PREFIX as OPEN311
from public.open311.app import Open311, build_open311
from storage.db import Database


def mount_public(http: web.Application, db: Database, config: CoreConfig, *, public_url: str | None,
                 wake: Callable[[], None], limits: PublicLimits | None = None) -> None:
    windows = (limits or PublicLimits()).windows()
    http.add_subapp(OPEN311, build_open311(Open311(db, config, windows, public_url, wake)))
