"""The console channel: the same resident dialogs in a terminal, through the same core.

Type text to answer; a number picks an option. ``@photo [caption]`` sends a (pretend)
photo, ``@voice`` a voice note, ``@loc 42.88 74.62`` a location pin, ``@quit`` ends.
"""

import asyncio
import itertools
import sys
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from bot.delivery.sender import Outgoing, RetryLater
from bot.delivery.worker import DeliveryWorker
from handlers.config import CoreConfig
from handlers.conversation import ConversationCore
from handlers.envelope import Attachment, Capabilities, Incoming, InputKind, Location, Reply
from handlers.outbox_payload import decode_reply
from storage.db import Database
from storage.enums import AttachmentKind, Channel, OutboxStatus
from storage.models import OutboxMessage

_refs = itertools.count(1)
CAPABILITIES = Capabilities(name="Console", counted_for_staff=False, buttons=100, numbered_choices=True,
                            text_limit=1_000_000)
"""A developer's terminal: options print as numbered lines and a number picks one; a press of an
option by its value (``Incoming.option``, as the tests' console chats do) is taken like a button.
Staff do not count its recipients apart."""


class ConsoleSender:
    """Prints replies with numbered options, the way WhatsApp will show them.

    With an ``address`` it is one person's session: messages to other console people (a
    coordinator's «asks to join» card) stay in the outbox for their own session."""

    channel = Channel.CONSOLE
    per_chat_interval = 0.0

    def __init__(self, write: Callable[[str], object] = sys.stdout.write, address: str | None = None) -> None:
        self.write, self.address = write, address
        self.printed = asyncio.Event()

    def lanes(self) -> dict[str, int]:
        return {self.address or f"{Channel.CONSOLE.value}:": 100}

    async def send(self, message: Outgoing) -> str | None:
        if self.address is not None and message.address != self.address:  # «console:ann2» under «console:ann»
            raise RetryLater(0, "a message for another console session")
        self.write(printed(message.reply))
        self.printed.set()
        return None


def printed(reply: Reply) -> str:
    lines = ["", reply.text]
    lines += [f"  {index}. {reply.label(option)}" for index, option in enumerate(reply.options, 1)]
    return "\n".join(lines) + "\n"


def parse_line(line: str, address: str) -> Incoming | None:
    """A typed line → an Incoming; ``None`` to stop."""
    text = line.strip()
    base = {"channel": Channel.CONSOLE, "address": address}
    if text == "@quit":
        return None
    if text.startswith("@photo"):
        caption = text.removeprefix("@photo").strip() or None
        return Incoming(**base, kind=InputKind.PHOTO, text=caption,
                        attachments=(Attachment(AttachmentKind.PHOTO, f"console-photo-{next(_refs)}", "image/jpeg"),))
    if text == "@voice":
        return Incoming(**base, kind=InputKind.VOICE,
                        attachments=(Attachment(AttachmentKind.VOICE, f"console-voice-{next(_refs)}", "audio/ogg"),))
    if text.startswith("@loc"):
        try:
            latitude, longitude = (float(x) for x in text.split()[1:3])
        except ValueError:
            return Incoming(**base, kind=InputKind.TEXT, text=text)
        return Incoming(**base, kind=InputKind.LOCATION, location=Location(latitude, longitude))
    return Incoming(**base, kind=InputKind.TEXT, text=text)


async def chat_loop(core: ConversationCore, deliver: Callable[[], object], address: str,
                    read_line: Callable[[], str] = input) -> None:
    """Reads lines until end of input or ``@quit``; each is handled and its replies printed.

    A person who talked here before finds the dialog where they left it (their last question is
    shown again, an unfinished request goes on); a new one starts with /start."""
    print(__doc__.split("\n\n")[1])
    last = await last_question(core.db, address)
    if last is None:
        await core.handle(Incoming(channel=Channel.CONSOLE, address=address, kind=InputKind.TEXT, text="/start"))
    await deliver()
    if last is not None:
        print(printed(last), end="")
    while True:
        try:
            line = await asyncio.to_thread(read_line)
        except EOFError:
            return
        incoming = parse_line(line, address)
        if incoming is None:
            return
        await core.handle(incoming)
        await deliver()


async def last_question(db: Database, address: str) -> Reply | None:
    """The last message with options sent to this console person, if they talked here before."""
    async with db.reader() as session:
        payload = await session.scalar(
            sa.select(OutboxMessage.payload).where(OutboxMessage.address == address,
                                                   OutboxMessage.status == OutboxStatus.SENT)
            .order_by(OutboxMessage.id.desc()).limit(1))
    return decode_reply(payload) if payload is not None else None


async def chat(open_database: Callable[[], Awaitable[Database]], config: CoreConfig, name: str) -> None:
    """`main.py chat`: the resident dialogs in this terminal, through the same core and outbox."""
    db = await open_database()
    address = f"console:{name}"
    worker = DeliveryWorker(db, {Channel.CONSOLE: ConsoleSender(address=address)})
    try:
        await chat_loop(ConversationCore(db, config), worker.deliver_due, address)
    finally:
        await db.dispose()
