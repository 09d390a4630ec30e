"""Intake worker processes: incoming messages handled on more than one CPU core.

One Python process runs on one core at a time. With ``INTAKE_WORKERS=K`` the service process
keeps what talks to the platforms (polling and webhooks, which record each update, the
delivery of the outbox, the back office, the scheduler) and starts K worker processes
(``python main.py intake-worker``) that run the aiogram Dispatcher and the conversation core.

- Each chat belongs to one worker (``owner_of`` its routing key), so one person's messages
  are still handled one at a time and in order.
- The database stays the only record: the service hands each recorded item to its owner
  through the worker's stdin (one JSON line), and a worker also scans the intake table for
  its pending items at start and every few seconds (what a crash or a restart left).
- A worker that wrote to the outbox says so on its stdout (a line ``outbox``), and the
  service wakes its delivery worker.
- The service waits for each worker to say ``ready`` before it starts, and restarts a worker
  that dies; a worker dies with the service (it gets SIGTERM when its parent goes, and stops
  when its stdin closes).
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from bot.intake import IntakeQueue, Queued
from storage.enums import Channel

log = logging.getLogger(__name__)

MAIN = Path(__file__).resolve().parent.parent / "main.py"
OUTBOX_LINE, READY_LINE = b"outbox\n", b"ready\n"
START_TIMEOUT, STOP_TIMEOUT = 120.0, 20.0
RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
PIPE_LIMIT = 1 << 22  # a line is one update: a long text and its entities fit easily


def owner_of(routing_key: str, count: int) -> int:
    """The worker (0 … count-1) that handles the chat of ``routing_key``; stable across restarts."""
    return zlib.crc32(routing_key.encode()) % count


def owned_by(index: int, count: int) -> Callable[[str], bool]:
    return lambda routing_key: owner_of(routing_key, count) == index


def item_line(item: Queued) -> bytes:
    return json.dumps({"id": item.id, "channel": item.channel.value, "external_id": item.external_id,
                       "routing_key": item.routing_key, "payload": item.payload, "attempts": item.attempts},
                      ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def item_of(line: bytes) -> Queued:
    data = json.loads(line)
    return Queued(data["id"], Channel(data["channel"]), data["external_id"], data["routing_key"], data["payload"],
                  data["attempts"])


class IntakeWorkers:
    """The service's side: starts the workers, hands them items, hears their outbox, restarts them."""

    def __init__(self, count: int, settings_json: str, *, on_outbox: Callable[[], None]) -> None:
        self.count, self.settings_json, self.on_outbox = count, settings_json, on_outbox
        self._procs: list[asyncio.subprocess.Process | None] = [None] * count
        self._stopping = False
        self._tasks: list[asyncio.Task] = []

    def forward(self, item: Queued) -> None:
        """Hands a recorded item to its worker; if that worker is down, its scan finds it later."""
        proc = self._procs[owner_of(item.routing_key, self.count)]
        if proc is None or proc.returncode is not None or proc.stdin.is_closing():
            return
        proc.stdin.write(item_line(item))

    async def start(self) -> None:
        for index in range(self.count):
            await self._spawn(index)
            self._tasks.append(asyncio.create_task(self._keep(index), name=f"intake-worker-{index}"))

    async def _spawn(self, index: int) -> None:
        env = {**os.environ, "KAIRYL_PARENT_PID": str(os.getpid())}
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(MAIN), "intake-worker", "--index", str(index), "--of", str(self.count),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, limit=PIPE_LIMIT)
        proc.stdin.write(self.settings_json.encode() + b"\n")  # the first line: the settings to run with
        self._procs[index] = proc
        try:
            ready = await asyncio.wait_for(proc.stdout.readline(), START_TIMEOUT)
        except TimeoutError:
            ready = b""
        if ready != READY_LINE:
            log.error("intake worker %d of %d (pid %d) did not start", index + 1, self.count, proc.pid)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            return
        log.info("intake worker %d of %d started (pid %d)", index + 1, self.count, proc.pid)

    async def _keep(self, index: int) -> None:
        """Hears the worker's outbox lines; restarts it (with growing delays) when it dies."""
        failures = 0
        while True:
            proc = self._procs[index]
            while line := await proc.stdout.readline():
                if line == OUTBOX_LINE:
                    self.on_outbox()
                    failures = 0
            code = await proc.wait()
            if self._stopping:
                return
            delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS) - 1)]
            failures += 1
            log.error("intake worker %d of %d exited (code %s); restarting in %.0f s",
                      index + 1, self.count, code, delay)
            await asyncio.sleep(delay)
            await self._spawn(index)

    async def stop(self) -> None:
        """Closes the workers' stdin (they finish what they hold and exit), then waits, then kills."""
        self._stopping = True
        for proc in self._procs:
            if proc is not None and proc.returncode is None:
                proc.stdin.close()
        for proc in self._procs:
            if proc is None:
                continue
            try:
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
            except TimeoutError:
                log.error("intake worker pid %d did not stop; killing it", proc.pid)
                proc.kill()
                await proc.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def pids(self) -> list[int]:
        return [proc.pid for proc in self._procs if proc is not None and proc.returncode is None]


# -- the worker's side ---------------------------------------------------------------------------
def die_with_parent(parent_variable: str = "KAIRYL_PARENT_PID") -> None:
    """Linux: SIGTERM to this process when its parent dies, however it dies (the parent's pid, set
    by the parent in ``parent_variable``, tells if it died before we asked)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    parent = int(os.environ.get(parent_variable, "0") or 0)
    if parent and os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


class ParentPipe:
    """The worker's stdin (settings, then items) and stdout (``outbox`` lines)."""

    async def open(self) -> dict:
        loop = asyncio.get_running_loop()
        self.reader = asyncio.StreamReader(limit=PIPE_LIMIT)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(self.reader), sys.stdin)
        transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, sys.stdout)
        self.writer = asyncio.StreamWriter(transport, protocol, None, loop)
        return json.loads(await self.reader.readline())

    def ready(self) -> None:
        self.writer.write(READY_LINE)

    def outbox_written(self) -> None:
        if not self.writer.is_closing():
            self.writer.write(OUTBOX_LINE)

    async def feed(self, intake: IntakeQueue) -> None:
        """Queues the items the service hands over, until it closes the pipe."""
        while line := await self.reader.readline():
            intake.feed(item_of(line))
