"""The load side of bench/telegram_flow.py: the fake Telegram Bot API and the simulated residents.

In production the Bot API and the residents are elsewhere, so the benchmark runs them in a
separate process (SubprocessLoad), leaving the measured process with only the bot under test.
InProcessLoad keeps the old arrangement (everything on one event loop) for --same-process.

The child is `python -m bench._telegram_load`; it talks JSON lines over its stdin/stdout:

    child -> {"ready": "http://127.0.0.1:PORT"}
    main  -> {"cmd": "drive", "token": ..., "script": "resident"|"chatter", "n": N, "webhooks": W}
          or {"cmd": "open", "token": ..., "rate": R, "seconds": S, "first_chat": C, "webhooks": W}
             (bench/_open_loop.py)
    child -> {"result": {...figures...}}            (or {"error": "..."})
    main  -> {"cmd": "stop"}  (or just closes stdin)  child stops the server and exits

Updates go to the bot by long polling (the fake API queues them for getUpdates) or, with
"webhooks": {"targets": [URL, …], "secret": S}, are POSTed to those webhook URLs in turn (one
update to the next URL: instances behind a round-robin load balancer), as Telegram would.

The child exits when its stdin closes or its parent dies (PR_SET_PDEATHSIG), so it never
outlives the benchmark; the parent also kills it if it does not exit in time.
"""

import asyncio
import contextlib
import itertools
import json
import os
import resource
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import ClientSession, TCPConnector

from bench._common import die_with_parent
from tests.fakes.telegram_api import FakeBot, FakeTelegramAPI
from tests.telegram_user import TelegramUser

FULL_TOKEN, ECHO_TOKEN = "123456:BENCH-kairyl", "654321:BENCH-echo"
TURNS, TURN_TIMEOUT = 9, 60.0
DRIVE_TIMEOUT = TURN_TIMEOUT * TURNS + 30  # bounds a whole drive, whatever happens to single turns
START_TIMEOUT, STOP_TIMEOUT = 60.0, 15.0
REPO = Path(__file__).resolve().parent.parent


def watch(bot: FakeBot) -> dict[int, asyncio.Event]:
    """Per-chat events set whenever the fake server records a message to that chat (no polling)."""
    events: dict[int, asyncio.Event] = {}
    record = bot._record

    def recording(method, chat_id, params, result) -> None:
        record(method, chat_id, params, result)
        if chat_id in events:
            events[chat_id].set()

    bot._record = recording
    return events


class Webhooks:
    """Delivers updates as Telegram does in webhook mode: a POST per update, each to the next target."""

    next_update_id = itertools.count(1)
    """Update ids never repeat in this process (a repeated id is ignored by the bot, as Telegram's retries)."""

    def __init__(self, bot: FakeBot, targets: list[str], secret: str) -> None:
        self.bot, self.targets, self.headers = bot, targets, {"Content-Type": "application/json",
                                                              "X-Telegram-Bot-Api-Secret-Token": secret}
        self.turn = itertools.count()
        self.client: ClientSession | None = None
        self.refused = 0

    async def deliver(self, update: dict) -> None:
        if self.client is None:
            self.client = ClientSession(connector=TCPConnector(limit=0))
        update.setdefault("update_id", next(self.next_update_id))
        target = self.targets[next(self.turn) % len(self.targets)]
        async with self.client.post(target, data=json.dumps(update), headers=self.headers) as response:
            await self.bot.answered_webhook(await response.read(), response.content_type)
            if response.status != 200:
                self.refused += 1
                raise RuntimeError(f"the webhook {target} answered {response.status}")

    async def close(self) -> None:
        if self.client is not None:
            await self.client.close()


def delivery(bot: FakeBot, webhooks: Webhooks | None) -> Callable[[dict], Awaitable[None]]:
    """How the users' updates reach the bot: queued for its long poll, or POSTed to its webhooks."""
    if webhooks is not None:
        return webhooks.deliver

    async def push(update: dict) -> None:
        bot.push_update(update)

    return push


class TimedUser(TelegramUser):
    """A TelegramUser that waits on an event instead of sleeping and notes each turn's latency."""

    def __init__(self, bot: FakeBot, chat_id: int, events: dict[int, asyncio.Event], latencies: list[float],
                 deliver: Callable[[dict], Awaitable[None]] | None = None):
        super().__init__(bot, chat_id)
        self.event = events.setdefault(chat_id, asyncio.Event())
        self.latencies = latencies
        self.deliver = deliver or delivery(bot, None)

    async def _answer_to(self, update: dict, timeout: float = TURN_TIMEOUT):
        return await self._timed(update, time.perf_counter(), timeout)

    async def _timed(self, update: dict, started: float, timeout: float):
        """Pushes the update and waits for the answer with buttons; notes the time since ``started``."""
        before = len(self.bot.sent_to(self.chat_id))
        await self.deliver(update)
        async with asyncio.timeout(timeout):
            while True:
                sent = self.bot.sent_to(self.chat_id)
                if len(sent) > before and sent[-1].reply_markup:
                    self.latencies.append(time.perf_counter() - started)
                    return sent[-1]
                self.event.clear()
                await self.event.wait()


async def resident(user: TimedUser) -> None:
    """The full request flow, each turn answered by a question with buttons: language, consent, village,
    quarter (a new resident then sees the categories), category, description, a photo, send (9 turns);
    and the steps an older flow asked, when asked: the main menu's «Подать обращение», «Готово» after the
    photos, the location; «the same problem?» answered with «📨 Send my own»."""
    def offered(label: str) -> bool:
        return any(label in button["text"] for button in user.buttons())

    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Кара-Джигач")
    await user.press(user.buttons()[0]["text"])  # a quarter
    if offered("Подать обращение"):
        await user.press("Подать обращение")
    await user.press("Питьевая вода")
    await user.say(f"Нет воды третий день (житель {user.chat_id})")
    await user.photo()
    if offered("Готово"):
        await user.press("Готово")
        await user.location(42.87, 74.60)
    await user.press("Отправить")
    if offered("📨"):
        await user.press("📨")


async def chatter(user: TimedUser) -> None:
    for turn in range(TURNS):
        await user.say(f"сообщение {turn} от {user.chat_id}")


SCRIPTS = {"resident": resident, "chatter": chatter}


async def drive(bot: FakeBot, n: int, script, webhooks: Webhooks | None = None, first_chat: int = 10_000) -> dict:
    """Runs n users through `script` at once; returns throughput and latency figures.
    "load_cpu_s" is the CPU of the process running the users and the fake server (in the
    same-process mode that is also the bot's process)."""
    events, latencies = watch(bot), []
    users = [TimedUser(bot, first_chat + i, events, latencies, delivery(bot, webhooks)) for i in range(n)]
    calls_before = len(bot.calls)
    cpu, started = time.process_time(), time.perf_counter()
    try:
        outcomes = await asyncio.gather(*(script(u) for u in users), return_exceptions=True)
    finally:
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
        bot.__dict__.pop("_record", None)  # undo watch()
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    latencies.sort()

    def pct(q: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1) if latencies else None

    return {"updates": len(latencies), "wall_s": round(wall, 3),
            "updates_per_s": round(len(latencies) / wall, 1) if wall else 0.0,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": pct(1.0), "failed_users": len(failures),
            "failures": [repr(f)[:300] for f in failures[:3]],
            "api_calls": len(bot.calls) - calls_before, "load_cpu_s": round(cpu, 2),
            "load_cpu_ms_per_update": round(cpu / max(len(latencies), 1) * 1000, 2),
            "load_peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not ru_maxrss: that one survives execve(2), so a child
    started by a 200 MB parent would report the parent's peak."""
    with contextlib.suppress(OSError, StopIteration):
        with open("/proc/self/status") as status:
            return round(int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux: KiB


class InProcessLoad:
    """The fake Bot API and the residents on the caller's own event loop (the old mode)."""

    separate = False

    async def start(self) -> str:
        self.api = FakeTelegramAPI()  # no rate limit
        base_url = await self.api.start()
        self.api.add_bot(FULL_TOKEN)
        self.api.add_bot(ECHO_TOKEN)
        return base_url

    async def drive(self, token: str, script: str, n: int, webhooks: dict | None = None,
                    first_chat: int = 10_000) -> dict:
        posting = Webhooks(self.api.bot(token), **webhooks) if webhooks else None
        try:
            return await asyncio.wait_for(drive(self.api.bot(token), n, SCRIPTS[script], posting, first_chat),
                                          DRIVE_TIMEOUT)
        finally:
            if posting is not None:
                await posting.close()

    async def open_loop(self, token: str, rate: float, seconds: float, first_chat: int,
                        webhooks: dict | None = None) -> dict:
        from bench._open_loop import open_loop

        posting = Webhooks(self.api.bot(token), **webhooks) if webhooks else None
        try:
            return await asyncio.wait_for(open_loop(self.api.bot(token), rate, seconds, first_chat, posting),
                                          seconds + DRIVE_TIMEOUT)
        finally:
            if posting is not None:
                await posting.close()

    async def stop(self) -> None:
        if getattr(self, "api", None) is not None:
            await asyncio.wait_for(self.api.stop(), STOP_TIMEOUT)
            self.api = None


class SubprocessLoad:
    """The fake Bot API and the residents in a child process (`python -m bench._telegram_load`)."""

    separate = True
    proc: asyncio.subprocess.Process | None = None

    async def start(self) -> str:
        env = {**os.environ, "KAIRYL_BENCH_PARENT": str(os.getpid())}
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench._telegram_load", cwd=REPO, env=env, limit=1 << 22,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)  # stderr: ours
        return (await self._receive(START_TIMEOUT, "start"))["ready"]

    async def drive(self, token: str, script: str, n: int, webhooks: dict | None = None,
                    first_chat: int = 10_000) -> dict:
        return await self._command({"cmd": "drive", "token": token, "script": script, "n": n, "webhooks": webhooks,
                                    "first_chat": first_chat}, DRIVE_TIMEOUT + 10, f"{script} x{n}")

    async def open_loop(self, token: str, rate: float, seconds: float, first_chat: int,
                        webhooks: dict | None = None) -> dict:
        return await self._command({"cmd": "open", "token": token, "rate": rate, "seconds": seconds,
                                    "first_chat": first_chat, "webhooks": webhooks},
                                   seconds + DRIVE_TIMEOUT + 10, f"{rate}/s for {seconds} s")

    async def _command(self, command: dict, timeout: float, what: str) -> dict:
        self.proc.stdin.write(json.dumps(command).encode() + b"\n")
        await self.proc.stdin.drain()
        return (await self._receive(timeout, what))["result"]

    async def _receive(self, timeout: float, what: str) -> dict:
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the load process exited during {what} (code {await self.proc.wait()})")
        message = json.loads(line)
        if "error" in message:
            raise RuntimeError(f"the load process failed during {what}: {message['error']}")
        return message

    async def stop(self) -> None:
        """Asks the child to stop, waits a bounded time, then kills it: it never outlives us."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.returncode is None:
                with contextlib.suppress(Exception):
                    proc.stdin.write(b'{"cmd": "stop"}\n')
                    proc.stdin.close()
                await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        finally:
            if proc.returncode is None:
                proc.kill()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(proc.wait(), 5)


async def _serve_stdio() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=1 << 22)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    out = sys.stdout.buffer

    def send(message: dict) -> None:
        out.write(json.dumps(message, ensure_ascii=False).encode() + b"\n")
        out.flush()

    load = InProcessLoad()
    try:
        send({"ready": await asyncio.wait_for(load.start(), START_TIMEOUT)})
        while True:
            line = await stdin.readline()  # EOF ("" ) when the parent closes the pipe or dies
            command = json.loads(line) if line.strip() else {"cmd": "stop"}
            if command["cmd"] == "drive":
                work = load.drive(command["token"], command["script"], command["n"], command.get("webhooks"),
                                  command.get("first_chat", 10_000))
            elif command["cmd"] == "open":
                work = load.open_loop(command["token"], command["rate"], command["seconds"], command["first_chat"],
                                      command.get("webhooks"))
            else:
                break
            running = asyncio.create_task(work)
            eof = asyncio.create_task(stdin.read())  # the parent sends nothing while a drive runs
            done, _ = await asyncio.wait({running, eof}, return_when=asyncio.FIRST_COMPLETED)
            if running not in done:  # the parent gave up or died: stop now
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                break
            eof.cancel()
            await asyncio.gather(eof, return_exceptions=True)
            try:
                send({"result": running.result()})
            except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it
                send({"error": repr(e)[:1000]})
    finally:
        await load.stop()


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which stops us
    die_with_parent()
    asyncio.run(_serve_stdio())
