"""Wake-ups between instances on PostgreSQL: LISTEN/NOTIFY, so no instance sleeps on new work.

An instance tells the others of work it leaves to them instead of leaving them to find it at their
next poll: new outbox rows (``NOTIFY kairyl_outbox``) at once when a broadcast, staff or the scheduler
wrote them, and a turn's replies only if its own claim round left one waiting
(``DeliveryWorker.wake_for_replies``); updates it recorded that still wait for a claim after its own
round (their chat is held elsewhere) or that it cannot claim (no room) (``kairyl_intake``, see
``bot/intake.py``).
Notifications carry nothing (the tables are the record) and are coalesced: while one is being
sent, any number of further requests make one more. One dedicated connection listens and sends;
if it drops it is opened again, and meanwhile the instances' short polls (``idle_poll``) still
find everything, only later. SQLite runs one process and needs none of this.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

INTAKE, OUTBOX = "kairyl_intake", "kairyl_outbox"
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 5.0)


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://…``) as asyncpg's own ``postgresql://…``."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class Wakeups:
    def __init__(self, database_url: str, on: dict[str, Callable[[], None]]) -> None:
        """``on``: what to call when another instance notifies a channel."""
        self.dsn, self.on = asyncpg_dsn(database_url), on
        self._connection = None
        self._due: set[str] = set()
        self._sending: asyncio.Task | None = None
        self._lost = asyncio.Event()

    def notify(self, channel: str) -> None:
        """Tells the other instances (soon, coalesced) that ``channel`` has something new."""
        self._due.add(channel)
        self._kick()

    def _kick(self) -> None:
        if self._due and self._connection is not None and (self._sending is None or self._sending.done()):
            self._sending = asyncio.create_task(self._send(), name="notify")

    async def _send(self) -> None:
        while self._due and self._connection is not None:
            channels, self._due = sorted(self._due), set()
            try:
                for channel in channels:
                    await self._connection.execute(f"NOTIFY {channel}")
            except Exception as error:  # noqa: BLE001 - the polls still find it; the listener reconnects
                log.warning("could not notify other instances: %r", error)
                return

    def _heard(self, connection: object, pid: int, channel: str, _payload: str) -> None:
        own = getattr(connection, "get_server_pid", lambda: None)()
        if pid != own and (wake := self.on.get(channel)) is not None:  # this instance knows its own news
            wake()

    async def run(self) -> None:
        """Listens until cancelled, opening the connection again whenever it drops."""
        import asyncpg

        failures = 0
        while True:
            self._lost.clear()
            try:
                connection = await asyncpg.connect(self.dsn)
                connection.add_termination_listener(lambda _connection: self._lost.set())
                for channel in self.on:
                    await connection.add_listener(channel, self._heard)
            except Exception as error:  # noqa: BLE001 - the database is away: try again shortly
                delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
                failures += 1
                log.warning("cannot listen for other instances' wake-ups (%r); again in %.1f s", error, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            self._connection = connection
            for wake in self.on.values():  # what was notified while nobody listened
                wake()
            self._kick()  # what this instance had to tell meanwhile
            try:
                await self._lost.wait()
                log.warning("the wake-up connection dropped; listening again")
            finally:
                self._connection = None
                with contextlib.suppress(Exception):
                    await asyncio.shield(connection.close(timeout=2))
