"""The web back office under /office/ of the service's HTTP server (main.py mounts it after the
channels: it fetches residents' files through them)."""

from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from backoffice.web import PREFIX, build_office
from backoffice.web.media import attachment_fetcher
from backoffice.web.office import Office
from handlers.initiatives.desk import HearingDesk
from handlers.legal.desk import LegalDesk
from handlers.staff.desk import StaffDesk
from storage.db import Database
from storage.enums import Channel


def mount_office(http: web.Application, db: Database, desk: StaffDesk, legal: LegalDesk, *, public_url: str | None,
                 files: Mapping[Channel, Callable[[str], Awaitable[tuple[bytes, str]]]],
                 wake: Callable[[], None],
                 invitation_ways: Callable[[str, str], Awaitable[dict]] | None = None) -> None:
    secure = bool(public_url and public_url.startswith("https://"))
    hearings = HearingDesk(db, desk.config, on_outbox=wake)
    http.add_subapp(PREFIX, build_office(Office(desk, db, fetch_attachment=attachment_fetcher(files),
                                                secure_cookies=secure, hearings=hearings, legal=legal,
                                                invitation_ways=invitation_ways)))
