"""Real `main.py serve` instances on one PostgreSQL in webhook mode, behind a load balancer that
hands each update to the next instance in turn (so consecutive updates of one chat reach
different instances), and residents who send a whole request dialog in one burst, each text
as soon as the previous one was acknowledged, without waiting for the bot's answers.

A dialog's seven answers say in which order its texts were handled («Русский» before
«/start» would get another answer), and the inbound log (one row per message handled, naming
its intake item) says how often each was handled and in which order."""

import asyncio
import contextlib
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from storage.enums import IntakeStatus
from storage.models import ChannelIdentity, InboundMessage, IntakeItem, OutboxMessage
from storage.types import utcnow
from tests.fakes.telegram_api import FakeBot, FakeTelegramAPI
from tests.service_process import command_env
from tests.test_broadcast_delivery import BOT_ID, TOKEN
from tests.test_limiter import busiest_window
from tests.waiting import PATIENCE, eventually

ROOT = Path(__file__).resolve().parent.parent
SECRET = "instances-webhook-secret"
STARTUP = 10 * PATIENCE  # several processes importing aiogram, the core and the catalogs on a busy machine
DIALOG = ("/start", "Русский", "Согласен", "Кара-Джигач", "1", "Питьевая вода", "Нет воды")
ANSWERS = ("Тилди тандаңыз", "Прежде чем начать", "В каком селе", "В каком квартале", "Ваш адрес",
           "Кратко опишите", "Проверьте ваше обращение")
"""What the bot answers to each text of DIALOG, handled in order (the last asks to confirm: no
request is sent, so no «the same problem?» offer depends on the other residents)."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Instance:
    process: asyncio.subprocess.Process
    port: int
    log: Path
    env: dict[str, str]
    took: int = 0
    """Updates the load balancer handed to it (acknowledged)."""

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/telegram/{BOT_ID}"

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    def named_in(self, instance_id: str | None) -> bool:
        return f":{self.process.pid}:" in (instance_id or "")

    async def ready(self) -> bool:
        if not self.alive:
            raise AssertionError(f"an instance exited ({self.process.returncode}):\n{self.log.read_text()[-3000:]}")
        try:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{self.port}/readyz") as answer:
                return answer.status == 200
        except aiohttp.ClientError:
            return False


async def _serve(env: dict[str, str], port: int, log: Path) -> asyncio.subprocess.Process:
    """`main.py serve` on ``port``, its log appended to ``log``."""
    with log.open("ab") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable, str(ROOT / "main.py"), "serve", cwd=log.parent,
            env={**env, "HTTP_PORT": str(port), "PUBLIC_URL": f"http://127.0.0.1:{port}"},
            stdout=asyncio.subprocess.DEVNULL, stderr=stderr)


@contextlib.asynccontextmanager
async def deployment(db_url: str, api: FakeTelegramAPI, count: int, logs: Path) -> AsyncIterator[list[Instance]]:
    """``count`` instances started side by side (each registers the webhook with its own address);
    stopped with SIGTERM at the end, unless killed before."""
    env = command_env(db_url, telegram_bot_token=TOKEN, telegram_api_url=api.base_url, telegram_mode="webhook",
                      telegram_webhook_secret=SECRET, telegram_per_chat_interval="0", load_demo="false",
                      quiet_hours="")
    instances = []
    for index in range(count):
        port, log = free_port(), logs / f"instance-{index}.log"
        instances.append(Instance(await _serve(env, port, log), port, log, env))
    try:
        for instance in instances:
            await eventually(instance.ready, "an instance did not become ready", timeout=STARTUP, interval=0.2)
        yield instances
    finally:
        for instance in instances:
            if instance.alive:
                instance.process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(asyncio.wait_for(i.process.wait(), STARTUP) for i in instances))


async def restart(instance: Instance) -> None:
    """Starts a killed instance again, on its port (its log goes on), and waits until it is ready."""
    instance.process = await _serve(instance.env, instance.port, instance.log)
    await eventually(instance.ready, "a restarted instance did not become ready", timeout=STARTUP, interval=0.2)


class LoadBalancer:
    """Hands each update to the next live instance in turn; one that does not answer (dead) is
    skipped and the update goes to the next, as Telegram would send it again."""

    def __init__(self, bot: FakeBot, instances: list[Instance]) -> None:
        self.bot, self.instances, self._next = bot, instances, 0

    async def deliver(self, update: dict) -> Instance:
        for _ in range(3 * len(self.instances)):
            instance = self.instances[self._next % len(self.instances)]
            self._next += 1
            if not instance.alive:
                continue
            try:
                if await self.bot.deliver_webhook(update, url=instance.webhook) == 200:
                    instance.took += 1
                    return instance
            except aiohttp.ClientError:
                continue
        raise AssertionError(f"no instance acknowledged {update}")

    async def dialog(self, chat_id: int) -> None:
        for text in DIALOG:
            await self.deliver(self.bot.message_update(chat_id, text, language_code="ru"))

    async def dialogs(self, chats: list[int]) -> None:
        await asyncio.gather(*(self.dialog(chat_id) for chat_id in chats))


@dataclass
class Dialogs:
    """What the residents of ``chats`` got, and what the inbound log says was handled."""

    in_order: dict[int, bool] = field(default_factory=dict)
    """Per chat: its answers, repeats aside, are ANSWERS in order."""
    repeated: int = 0
    """Answers that came more than once (a reply sent again after a crash)."""
    handled_once_in_order: dict[int, bool] = field(default_factory=dict)
    """Per chat: its inbound log names each of its DIALOG updates once, in the order received."""
    never_handled: int = 0
    """Updates of the chats their inbound logs do not name (lost)."""
    handled_twice: int = 0
    """Inbound log rows naming an update named before."""
    handled_out_of_order: list[int] = field(default_factory=list)
    """Chats whose inbound log names their updates in another order than they were recorded."""
    unanswered: str = ""
    """Where the chats not answered whole stand, when the wait for their answers ran out."""


def answers_of(bot: FakeBot, chat_id: int) -> list[int]:
    """Which of ANSWERS each message to the chat is, in arrival order (other messages left out)."""
    found = []
    for message in bot.sent_to(chat_id):
        index = next((i for i, marker in enumerate(ANSWERS) if marker in (message.text or "")), None)
        if index is not None:
            found.append(index)
    return found


def unanswered(bot: FakeBot, chats: list[int]) -> list[int]:
    """The chats that have not had each of ANSWERS yet."""
    return [chat_id for chat_id in chats if set(answers_of(bot, chat_id)) != set(range(len(ANSWERS)))]


async def inbound_intake_ids(db, chats: list[int]) -> dict[int, list[int | None]]:
    """Per chat, the intake items its inbound log names, in the order the messages were handled."""
    addresses = {f"telegram:{BOT_ID}:{chat_id}": chat_id for chat_id in chats}
    async with db.reader() as session:
        rows = (await session.execute(
            sa.select(ChannelIdentity.address, InboundMessage.intake_id)
            .join(InboundMessage, InboundMessage.identity_id == ChannelIdentity.id)
            .where(ChannelIdentity.address.in_(list(addresses))).order_by(InboundMessage.id))).all()
    found: dict[int, list[int | None]] = {chat_id: [] for chat_id in chats}
    for address, intake_id in rows:
        found[addresses[address]].append(intake_id)
    return found


async def where_they_stand(db, bot: FakeBot, chats: list[int]) -> str:
    """For (the first five of) ``chats``: the answers they got, their intake items (status, holder,
    attempts, error, when done), the order their inbound log handled them in, and their outbox
    rows by status; what a failed wait shows."""
    lines = []
    handled = await inbound_intake_ids(db, chats[:5])
    for chat_id in chats[:5]:
        address = f"telegram:{BOT_ID}:{chat_id}"
        async with db.reader() as session:
            items = (await session.execute(
                sa.select(IntakeItem.id, IntakeItem.status, IntakeItem.claimed_by, IntakeItem.attempts,
                          IntakeItem.error, IntakeItem.processed_at)
                .where(IntakeItem.routing_key == address).order_by(IntakeItem.id))).all()
            outbox = (await session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).join(
                    ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
                .where(ChannelIdentity.address == address).group_by(OutboxMessage.status))).all()
        described = [(i.id, i.status.value, i.claimed_by, i.attempts, i.error,
                      i.processed_at.strftime("%H:%M:%S.%f") if i.processed_at else None) for i in items]
        lines.append(f"{chat_id}: answers {answers_of(bot, chat_id)}; intake {described}; handled in the order "
                     f"{handled[chat_id]}; outbox {dict(outbox)}")
    return "\n".join(lines)


async def answered(db, bot: FakeBot, chats: list[int]) -> str:
    """Waits until every resident of ``chats`` got all the answers; "" then, else where the others stand."""
    try:
        await bot.sent_signal.wait_until(lambda: not unanswered(bot, chats), "some residents did not get all their answers",
                                         timeout=len(chats) * len(DIALOG) / 30 + 2 * PATIENCE)
    except TimeoutError as error:
        return f"{error}\n{await where_they_stand(db, bot, unanswered(bot, chats))}"
    return ""


async def dialogs_of(db, bot: FakeBot, chats: list[int]) -> Dialogs:
    result = Dialogs()
    for chat_id in chats:
        answers = answers_of(bot, chat_id)
        distinct = [a for i, a in enumerate(answers) if i == 0 or answers[i - 1] != a]
        result.in_order[chat_id] = distinct == list(range(len(ANSWERS)))
        result.repeated += len(answers) - len(distinct)
    for chat_id, intake_ids in (await inbound_intake_ids(db, chats)).items():
        named = [item_id for item_id in intake_ids if item_id is not None]
        result.handled_once_in_order[chat_id] = (len(intake_ids) == len(DIALOG) and len(named) == len(intake_ids)
                                                 and intake_ids == sorted(set(named)))
        result.never_handled += max(len(DIALOG) - len(set(named)), 0)
        result.handled_twice += len(named) - len(set(named))
        if named != sorted(named):
            result.handled_out_of_order.append(chat_id)
    return result


async def check_dialogs(db, bot: FakeBot, chats: list[int]) -> Dialogs:
    """Once every resident got all the answers (failing if they do not), what they got and what was handled."""
    if unanswered := await answered(db, bot, chats):
        raise AssertionError(unanswered)
    return await dialogs_of(db, bot, chats)


async def busiest_holder(db, instances: list[Instance], at_least: int) -> tuple[Instance, int] | None:
    """The live instance holding the most chats (their oldest pending updates claimed by it) and how
    many, if at least ``at_least``."""
    async with db.reader() as session:
        held = (await session.execute(
            sa.select(IntakeItem.claimed_by, sa.func.count(sa.distinct(IntakeItem.routing_key)))
            .where(IntakeItem.status == IntakeStatus.PENDING, IntakeItem.claimed_by.is_not(None))
            .group_by(IntakeItem.claimed_by))).all()
    found = [(count, index) for index, instance in enumerate(instances) if instance.alive
             for holder, count in held if instance.named_in(holder) and count >= at_least]
    if not found:
        return None
    count, index = max(found)
    return instances[index], count


async def held_by(db, instance: Instance) -> list[int]:
    """The pending updates ``instance`` has claimed."""
    async with db.reader() as session:
        return list((await session.scalars(sa.select(IntakeItem.id).where(
            IntakeItem.status == IntakeStatus.PENDING,
            IntakeItem.claimed_by.like(f"%:{instance.process.pid}:%")))).all())


async def processed_at(db, item_ids: list[int]) -> list[datetime | None]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(IntakeItem.processed_at).where(
            IntakeItem.id.in_(item_ids)))).all())


@dataclass
class KilledOne:
    """A dialog load during which one instance was SIGKILLed, and what came of it."""

    victim: Instance
    chats_held: int
    """Chats the victim held when it was picked."""
    stranded: int
    """Updates it held (claimed, not done) when it died."""
    dialogs: Dialogs
    takeover: float | None
    """Seconds from the kill until the last of them was done (None: it held none, or one was never done)."""
    first_reply: float | None
    """Seconds from the kill to the next message at the Bot API."""
    busiest_second: int
    too_many_requests: int
    """Over the load: the bot's busiest one-second window at the Bot API, and the 429s it answered."""


async def handled_since(db, last_id: int, at_least: int) -> bool:
    """Whether ``at_least`` updates recorded after intake item ``last_id`` are no longer pending."""
    async with db.reader() as session:
        return (await session.scalar(sa.select(sa.func.count()).where(
            IntakeItem.id > last_id, IntakeItem.status != IntakeStatus.PENDING)) or 0) >= at_least


async def dialogs_with_a_kill(db, balancer: LoadBalancer, chats: list[int], *, holding: int = 1,
                             after_handled: int = 0) -> KilledOne:
    """The residents of ``chats`` send their dialogs in a burst; once ``after_handled`` of their updates
    were handled and an instance holds at least ``holding`` chats, the one holding most is SIGKILLed
    (in the middle of its chats' turns) and the others take its chats over and finish the load.
    It is frozen first (SIGSTOP) and killed only if it still holds updates: one unit of work ends many
    turns at once, and it could finish every one between the look and the kill (nothing stranded);
    then it goes on (SIGCONT) and the look is made again."""
    bot = balancer.bot
    sent_before, refused_before = len(bot.sent), bot.too_many_requests
    async with db.reader() as session:
        last_id = await session.scalar(sa.select(sa.func.max(IntakeItem.id))) or 0
    load = asyncio.create_task(balancer.dialogs(chats))
    if after_handled:
        await eventually(lambda: handled_since(db, last_id, after_handled),
                         f"{after_handled} updates were not handled", timeout=STARTUP, interval=0.01)
    while True:
        victim, chats_held = await eventually(lambda: busiest_holder(db, balancer.instances, holding),
                                              "no instance held chats", interval=0.005)
        victim.process.send_signal(signal.SIGSTOP)
        if stranded := await held_by(db, victim):
            break
        victim.process.send_signal(signal.SIGCONT)
    victim.process.send_signal(signal.SIGKILL)
    await victim.process.wait()
    killed_at, killed = utcnow(), time.monotonic()
    await load
    unanswered = await answered(db, bot, chats)
    dialogs = await dialogs_of(db, bot, chats)
    dialogs.unanswered = unanswered
    done_at = await processed_at(db, stranded)
    done = [at for at in done_at if at is not None]
    sends = [message.at for message in bot.sent[sent_before:]]
    return KilledOne(victim, chats_held, len(stranded), dialogs,
                     (max(done) - killed_at).total_seconds() if done and len(done) == len(done_at) else None,
                     min((at - killed for at in sends if at > killed), default=None), busiest_window(sends, 1.0),
                     bot.too_many_requests - refused_before)
