"""Real `main.py serve` processes in webhook mode for the benchmarks, and the CPU they and the
database server use (from /proc).

Each instance is started as an operator would (environment variables, `python main.py serve`),
listens on its own port, and receives updates at ``/telegram/<bot id>``; the first one is started
alone (it migrates the fresh database and loads the demo municipality), the others once it answers
/healthz. They get SIGTERM when the benchmark ends, and die with it (PR_SET_PDEATHSIG).
"""

import asyncio
import contextlib
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from bench._common import die_with_parent, free_port
from tests.service_process import healthy

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-webhook-secret"
START_TIMEOUT = 180.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of this process and of its children it has reaped (ended PostgreSQL backends
    count in the postmaster's), from /proc; 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime, stime, cutime, cstime


def with_descendants(pids: list[int]) -> list[int]:
    """These processes and all their descendants (PostgreSQL's backends, intake workers)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def postgres_pids(url: str) -> list[int]:
    """The server of ``url`` (scripts/pg.sh: its postmaster.pid under /tmp/kairyl-pg-<port>/data) and its
    backends; empty when that server is not on this machine."""
    from sqlalchemy.engine import make_url

    port = make_url(url).port or 5432
    with contextlib.suppress(OSError, ValueError, IndexError):
        postmaster = int(Path(f"/tmp/kairyl-pg-{port}/data/postmaster.pid").read_text().split()[0])
        return with_descendants([postmaster])
    return []


class CpuMeter:
    """CPU seconds used by a set of processes (and their descendants) between ``start`` and ``stop``."""

    def __init__(self, roots) -> None:
        self.roots = roots  # a callable: the root pids now

    def start(self) -> None:
        self.before = {pid: cpu_seconds(pid) for pid in with_descendants(self.roots())}

    def stop(self) -> float:
        """A process that started meanwhile counts from zero; one that ended counts in its parent's
        children's time (all its life, so its CPU before ``start`` is taken off)."""
        now = {pid: cpu_seconds(pid) for pid in with_descendants(self.roots())}
        gone = sum(cpu for pid, cpu in self.before.items() if pid not in now)
        return sum(cpu - self.before.get(pid, 0.0) for pid, cpu in now.items()) - gone


def _child_dies_with_us() -> None:
    die_with_parent("")


async def wait_healthy(process: asyncio.subprocess.Process, port: int, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT
    while not await healthy(port):
        if process.returncode is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before answering /healthz")
        if loop.time() > deadline:
            raise RuntimeError(f"{what} did not answer /healthz within {START_TIMEOUT:.0f} s")
        await asyncio.sleep(0.2)


@dataclass
class Instances:
    """N `serve` processes on one database, in webhook mode, for one bot token."""

    db_url: str
    token: str
    api_url: str
    count: int
    extra_env: dict[str, str] = field(default_factory=dict)
    repo: Path = REPO
    """The checkout whose main.py runs (another one: a baseline to compare with)."""
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def environment(self, port: int) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.db_url, "TELEGRAM_BOT_TOKEN": self.token,
                "TELEGRAM_API_URL": self.api_url, "TELEGRAM_MODE": "webhook",
                "TELEGRAM_WEBHOOK_SECRET": SECRET, "PUBLIC_URL": f"http://127.0.0.1:{port}",
                "HTTP_PORT": str(port), "TELEGRAM_PER_CHAT_INTERVAL": "0",
                "TELEGRAM_PER_BOT_PER_SECOND": "100000", "LOG_LEVEL": "WARNING", "LOAD_DEMO": "true",
                **self.extra_env}

    async def start(self, cwd: Path) -> list[str]:
        """Starts them (the first alone); returns their webhook URLs."""
        for index in range(self.count):
            port = free_port()
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(self.repo / "main.py"), "serve", cwd=cwd, env=self.environment(port),
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                preexec_fn=_child_dies_with_us)
            self.processes.append(process)
            self.ports.append(port)
            if index == 0:
                await wait_healthy(process, port, "the first instance")
        await asyncio.gather(*(wait_healthy(p, port, f"instance {i + 1}") for i, (p, port)
                               in enumerate(zip(self.processes, self.ports, strict=True))))
        bot_id = self.token.split(":")[0]
        return [f"http://127.0.0.1:{port}/telegram/{bot_id}" for port in self.ports]

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes if process.returncode is None]

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()


@dataclass
class EchoBot:
    """bench/_echo_webhook.py in a process of its own."""

    token: str
    api_url: str
    process: asyncio.subprocess.Process | None = None

    async def start(self) -> str:
        port = free_port()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench._echo_webhook", str(port), self.api_url, self.token, SECRET, cwd=REPO,
            env={**os.environ, "KAIRYL_BENCH_PARENT": str(os.getpid())}, stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE)
        line = await asyncio.wait_for(self.process.stdout.readline(), START_TIMEOUT)
        if line.strip() != b"ready":
            raise RuntimeError(f"the echo bot did not start (code {await self.process.wait()})")
        return f"http://127.0.0.1:{port}/telegram/{self.token.split(':')[0]}"

    def pids(self) -> list[int]:
        return [self.process.pid] if self.process and self.process.returncode is None else []

    async def stop(self) -> None:
        if self.process and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 15)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
