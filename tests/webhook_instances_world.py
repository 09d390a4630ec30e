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
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import sqlalchemy as sa

from storage.models import ChannelIdentity, InboundMessage, IntakeItem, OutboxMessage
from tests.fakes.telegram_api import FakeBot, FakeTelegramAPI
from tests.service_process import command_env
from tests.test_broadcast_delivery import BOT_ID, TOKEN
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
        with log.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                sys.executable, str(ROOT / "main.py"), "serve", cwd=logs,
                env={**env, "HTTP_PORT": str(port), "PUBLIC_URL": f"http://127.0.0.1:{port}"},
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr)
        instances.append(Instance(process, port, log))
    try:
        for instance in instances:
            await eventually(instance.ready, "an instance did not become ready", timeout=STARTUP, interval=0.2)
        yield instances
    finally:
        for instance in instances:
            if instance.alive:
                instance.process.send_signal(signal.SIGTERM)
        await asyncio.gather(*(asyncio.wait_for(i.process.wait(), STARTUP) for i in instances))


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


def answers_of(bot: FakeBot, chat_id: int) -> list[int]:
    """Which of ANSWERS each message to the chat is, in arrival order (other messages left out)."""
    found = []
    for message in bot.sent_to(chat_id):
        index = next((i for i, marker in enumerate(ANSWERS) if marker in (message.text or "")), None)
        if index is not None:
            found.append(index)
    return found


def all_answered(bot: FakeBot, chats: list[int]) -> bool:
    return all(set(answers_of(bot, chat_id)) == set(range(len(ANSWERS))) for chat_id in chats)


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
    """For the chats not answered whole: the answers they got, their intake items (status, holder,
    attempts, error) and their outbox rows by status; what a failed wait shows."""
    lines = []
    for chat_id in [c for c in chats if set(answers_of(bot, c)) != set(range(len(ANSWERS)))][:5]:
        address = f"telegram:{BOT_ID}:{chat_id}"
        async with db.reader() as session:
            items = (await session.execute(
                sa.select(IntakeItem.id, IntakeItem.status, IntakeItem.claimed_by, IntakeItem.attempts,
                          IntakeItem.error).where(IntakeItem.routing_key == address).order_by(IntakeItem.id))).all()
            outbox = (await session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).join(
                    ChannelIdentity, ChannelIdentity.id == OutboxMessage.identity_id)
                .where(ChannelIdentity.address == address).group_by(OutboxMessage.status))).all()
        lines.append(f"{chat_id}: answers {answers_of(bot, chat_id)}; intake {[tuple(i) for i in items]}; "
                     f"outbox {dict(outbox)}")
    return "\n".join(lines)


async def check_dialogs(db, bot: FakeBot, chats: list[int]) -> Dialogs:
    try:
        await eventually(lambda: all_answered(bot, chats), "some residents did not get all their answers",
                         timeout=len(chats) * len(DIALOG) / 30 + 2 * PATIENCE, interval=0.1)
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{await where_they_stand(db, bot, chats)}") from None
    result = Dialogs()
    for chat_id in chats:
        answers = answers_of(bot, chat_id)
        distinct = [a for i, a in enumerate(answers) if i == 0 or answers[i - 1] != a]
        result.in_order[chat_id] = distinct == list(range(len(ANSWERS)))
        result.repeated += len(answers) - len(distinct)
    for chat_id, intake_ids in (await inbound_intake_ids(db, chats)).items():
        result.handled_once_in_order[chat_id] = (len(intake_ids) == len(DIALOG) and None not in intake_ids
                                                 and intake_ids == sorted(set(intake_ids)))
    return result
