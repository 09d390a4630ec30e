"""The service's operations endpoints on its HTTP server (HTTP_HOST:HTTP_PORT).

- ``GET /livez``: 200 while the process's background tasks (delivery, intake, polling) run;
  503 naming the task that died (then restart the process). ``/healthz`` stays as it was.
- ``GET /readyz``: 200 when the service is started, not stopping, its database answers and
  its schema is at this code's migration head; otherwise 503 with what is wrong. A load
  balancer sends webhooks only to ready instances.
- ``GET /metrics``: Prometheus text format (bot/ops/metrics.py; the database's figures, read at most
  every 10 s, bot/ops/scrape.py). With
  ``METRICS_TOKEN`` set, only a request with ``Authorization: Bearer <token>`` gets it; without,
  only a request from this machine (a loopback address) that did not come through a proxy
  (no ``Forwarded``/``X-Forwarded-For`` header), so an HTTPS proxy in front never exposes it.
  Other requests get 403. The figures hold no personal data either way.
Each answer says only counts, names of tasks and revisions: no person, no setting.
"""

import asyncio
import hmac
import ipaddress
import logging
from typing import TYPE_CHECKING

import sqlalchemy as sa
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.ops.metrics import Metrics
from bot.ops.scrape import GaugeReader
from storage.migrate import head_revision
from storage.types import utcnow

if TYPE_CHECKING:
    from bot.service import Service

log = logging.getLogger(__name__)
CHECK_TIMEOUT = 5.0
SCRAPE_TIMEOUT = 20.0
"""A scrape's database read may take a while with a large backlog (bot/ops/scrape.py); past this, the
page says ``kairyl_database_up 0`` and the previous figures."""
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Real-IP")


def may_read_metrics(request: web.Request, token: str | None) -> bool:
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    try:
        local = ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:  # a Unix socket, or no address at all
        local = False
    return local and not any(header in request.headers for header in PROXY_HEADERS)


def add_operations_routes(http: web.Application, service: "Service", metrics: Metrics, *,
                          token: str | None) -> None:
    head = head_revision()
    gauges = GaugeReader(service.db, metrics)

    async def livez(_request: web.Request) -> web.Response:
        dead = service.dead_tasks()
        return web.json_response({"alive": not dead, "dead": dead}, status=503 if dead else 200)

    async def readyz(_request: web.Request) -> web.Response:
        problems = []
        if not service.started or service.stop_event.is_set():
            problems.append("not serving")
        try:
            revision = await asyncio.wait_for(_schema_revision(service), CHECK_TIMEOUT)
        except Exception as error:  # unreachable, refused, timed out
            log.warning("readiness: the database does not answer: %r", error)
            problems.append("database unreachable")
        else:
            if revision != head:
                problems.append(f"schema at {revision}, code at {head}")
        return web.json_response({"ready": not problems, "problems": problems}, status=503 if problems else 200)

    async def metrics_page(request: web.Request) -> web.Response:
        if not may_read_metrics(request, token):
            return web.Response(status=403, text="metrics: set METRICS_TOKEN, or ask from this machine\n")
        try:
            await asyncio.wait_for(gauges.refresh(utcnow()), SCRAPE_TIMEOUT)
            metrics.database_up.set(1)
        except Exception as error:
            log.warning("metrics: could not read the database: %r", error)
            metrics.database_up.set(0)
        return web.Response(body=generate_latest(metrics.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})

    http.router.add_get("/livez", livez)
    http.router.add_get("/readyz", readyz)
    http.router.add_get("/metrics", metrics_page)


async def _schema_revision(service: "Service") -> str | None:
    """The database's migration revision, read like any other row (a reader never blocks a writer)."""
    async with service.db.reader() as session:
        return await session.scalar(sa.text("SELECT version_num FROM alembic_version"))
