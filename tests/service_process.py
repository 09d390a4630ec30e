"""`main.py serve` as an operator runs it: a child process, reached over HTTP, stopped with SIGTERM."""

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import ClientError, ClientSession

from tests.waiting import PATIENCE, eventually

ROOT = Path(__file__).resolve().parent.parent
STARTING = 4 * PATIENCE
"""A start imports everything and upgrades the schema: on a loaded two-core machine that took 25 s."""


@dataclass
class ServiceProcess:
    process: asyncio.subprocess.Process
    base_url: str
    log: list[str] = field(default_factory=list)
    """What the process wrote to stderr (its log), line by line."""

    async def get(self, path: str, **headers: str) -> tuple[int, str]:
        async with ClientSession() as client, client.get(self.base_url + path, headers=headers) as response:
            return response.status, await response.text()

    async def ready(self) -> bool:
        if self.process.returncode is not None:
            raise AssertionError(f"the service exited ({self.process.returncode}):\n" + "".join(self.log[-30:]))
        with contextlib.suppress(ClientError):
            return (await self.get("/readyz"))[0] == 200
        return False


async def healthy(port: int) -> bool:
    """Whether a `serve` on this port answers /healthz (it has started)."""
    try:
        async with ClientSession() as http, http.get(f"http://127.0.0.1:{port}/healthz") as answer:
            return answer.status == 200
    except ClientError:
        return False


def command_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of a `main.py` command: this one's, the database and the given settings."""
    env = {key: value for key, value in os.environ.items() if not key.isupper() or not key.startswith(
        ("TELEGRAM_", "TWILIO_", "DATABASE_", "HTTP_", "LOG_", "METRICS_", "PUBLIC_"))}
    return {**env, "DATABASE_URL": database_url, **{key.upper(): value for key, value in settings.items()}}


@contextlib.asynccontextmanager
async def serving(env: dict[str, str], port: int) -> AsyncIterator[ServiceProcess]:
    """Starts `main.py serve` with ``env`` on ``port``, waits until /readyz says ready, and stops it
    with SIGTERM at the end (its exit code must then be 0)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "main.py", "serve", cwd=ROOT, env={**env, "HTTP_PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    service = ServiceProcess(process, f"http://127.0.0.1:{port}")

    async def read_log() -> None:
        while line := await process.stderr.readline():
            service.log.append(line.decode())

    reading = asyncio.create_task(read_log())
    try:
        await eventually(service.ready, "the service did not become ready", timeout=STARTING, interval=0.2)
        await eventually(lambda: any(f":{port}/readyz" in line for line in service.log),
                         "the service did not say it runs on its port: another process answered there")
        yield service
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), STARTING)
        await reading
    assert code == 0, "".join(service.log[-30:])


async def run_command(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Runs `main.py ARGS…` to its end without holding up this event loop; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(sys.executable, "main.py", *args, cwd=ROOT, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), STARTING)
    return process.returncode, out.decode(), err.decode()
