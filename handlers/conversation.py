"""The conversation core: one incoming message in, replies into the outbox, in one unit of work.

    Incoming ──► lock the address ──► claim the intake item (once only) ──► log it
             ──► commands (/start, /cancel, …) or the current step's handler
             ──► the next step's question ──► outbox ──► commit ──► wake delivery

Messages of different people that arrive together share the unit of work (group commit,
``handlers/batches.py``): one claim, one lock and one read for all of them, one commit.

Channel adapters call ``handle``; the scheduler calls ``expire_idle_dialogs``.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.batches import Batcher
from handlers.config import CoreConfig
from handlers.engine import menu
from handlers.engine.commands import Builtin, Command, parse_command
from handlers.engine.dialog import current_flow, finish, settle
from handlers.engine.feature import Aside, ScheduledJob
from handlers.engine.turn import Turn
from handlers.envelope import Incoming, InputKind, Reply
from handlers.i18n import N_, both, gettext
from handlers.locks import KeyedLocks
from handlers.services.identities import load_conversation, load_dialogs, load_person, lock_identity, note_inbound
from handlers.services.intake import do_claim_intakes, inbound_row
from handlers.services.later import InsertLater
from handlers.services.outbox import do_enqueue, do_mark_unreachable, written_to
from handlers.services.people import do_link_phone, person_by_phone
from storage.db import Database
from storage.enums import Channel
from storage.models import ChannelIdentity, Conversation, InboundMessage, Person
from storage.types import utcnow

log = logging.getLogger(__name__)

CANCEL_OPTION = "cancel"
SWEEP_EVERY = timedelta(minutes=1)
"""How often dialogs left unfinished are looked for (each closes after ``CoreConfig.dialog_timeout``)."""
MAX_BATCH = 32
CONCURRENT_BATCHES = 1
"""Batches in flight at once. SQLite writes one at a time anyway. On PostgreSQL one at a time
measured best too (bench/telegram_flow.py, 2 intake workers: 275-377 updates/s against 248-260
with 4 at once): what waits meanwhile joins the next batch, and bigger batches cost fewer
statements per update, which is what the CPU goes on."""


class ConversationCore:
    def __init__(self, db: Database, config: CoreConfig, *, clock: Callable[[], datetime] = utcnow,
                 on_outbox: Callable[[], None] = lambda: None, max_batch: int = MAX_BATCH,
                 on_replies: Callable[[set[str]], None] | None = None) -> None:
        """``on_outbox``: messages were written; ``on_replies`` (if given, instead, after the turns): to
        these addresses."""
        self.db, self.config, self.clock, self.on_outbox = db, config, clock, on_outbox
        self.on_replies = on_replies
        self._locks = KeyedLocks()
        self._batches = Batcher(self._handle_together, max_size=max_batch,
                                concurrency=CONCURRENT_BATCHES)

    async def handle(self, incoming: Incoming) -> bool:
        """Processes one message; false if it was a duplicate already processed.

        Messages of different people that wait at the same moment share one unit of work
        (``handlers/batches.py``); one person's messages go one after another.
        """
        async with self._locks.hold(incoming.address):
            return await self._batches.submit(incoming)

    async def _handle_together(self, incomings: Sequence[Incoming]) -> list[bool]:
        async with self.db.transaction() as session:
            now = self.clock()
            claimed = await do_claim_intakes(session, [each for i in incomings if i.intake_id is not None
                                                       for each in (i.intake_id, *i.also_intake_ids)], now)
            handled = [i.intake_id is None or i.intake_id in claimed for i in incomings]
            todo = [incoming for incoming, fresh in zip(incomings, handled, strict=True) if fresh]
            dialogs = await load_dialogs(session, {i.address: i.channel for i in todo}, now) if todo else {}
            later = InsertLater()  # the log and the replies of every turn, one statement each
            for incoming in todo:
                await self._turn(session, incoming, *dialogs[incoming.address], now, later)
            await later.do_insert(session)
            addresses = written_to(session)
        if todo and self.on_replies is not None:
            self.on_replies(addresses)
        elif todo:
            self.on_outbox()
        return handled

    async def _turn(self, session: AsyncSession, incoming: Incoming, identity: ChannelIdentity,
                    conversation: Conversation, person: Person | None, now: datetime, later: InsertLater) -> None:
        note_inbound(identity, incoming, now)
        if person is None:
            person = await self._recognise(session, identity, incoming)
        later.add(InboundMessage, inbound_row(identity, incoming, consented=person is not None, now=now))
        turn = Turn(session, self.config, now, identity, conversation, person, incoming)
        await self._converse(turn)
        finish(turn, later=later)

    async def apologize(self, channel: Channel, address: str) -> None:
        """Tells the person, in their language, that their message could not be processed."""
        message = N_("Sorry, something went wrong on our side. Please try again in a minute.")
        async with self.db.transaction() as session:
            now = self.clock()
            identity = await lock_identity(session, channel, address, now)
            conversation = await session.get(Conversation, identity.id)
            if conversation is not None and conversation.language is not None:
                text = gettext(conversation.language, message)
            else:
                text = "\n".join(both(message))
            do_enqueue(session, identity, Reply(text, language=conversation.language if conversation else None), now)
        self.on_outbox()

    async def note_blocked(self, channel: Channel, address: str, blocked: bool, intake_id: int | None = None) -> None:
        """The platform told us the person blocked (or unblocked) the bot; its recorded update is
        closed in the same transaction."""
        async with self._locks.hold(address):
            async with self.db.transaction() as session:
                now = self.clock()
                if intake_id is not None:
                    await do_claim_intakes(session, [intake_id], now)
                identity = await lock_identity(session, channel, address, now)
                if blocked:
                    await do_mark_unreachable(session, {identity.id}, now)
                else:
                    identity.blocked_at = None

    async def expire_idle_dialogs(self) -> int:
        """Closes dialogs left unfinished longer than the timeout; returns how many."""
        now = self.clock()
        async with self.db.reader() as session:
            rows = (await session.execute(
                sa.select(ChannelIdentity.channel, ChannelIdentity.address)
                .join(Conversation, Conversation.identity_id == ChannelIdentity.id)
                .where(Conversation.expires_at <= now))).all()
        closed = 0
        for channel, address in rows:
            closed += await self._expire_one(channel, address)
        if closed:
            self.on_outbox()
        return closed

    async def _expire_one(self, channel: Channel, address: str) -> int:
        async with self._locks.hold(address):
            async with self.db.transaction() as session:
                now = self.clock()
                identity = await lock_identity(session, channel, address, now)
                conversation = await load_conversation(session, identity, now)
                if conversation.expires_at is None or conversation.expires_at > now:
                    return 0  # the person answered meanwhile
                turn = Turn(session, self.config, now, identity, conversation,
                            await load_person(session, identity), None)
                if not turn.data:  # nothing told yet (a new resident shown the categories): home, quietly
                    turn.go_home()
                    finish(turn)
                    return 0
                minutes = int(self.config.dialog_timeout.total_seconds() // 60)
                turn.say(turn._("You have not answered for {minutes} minutes, so I closed the unfinished "
                                "request; it was not sent. You can start again at any time.", minutes=minutes))
                turn.go_home()
                await settle(turn)
                finish(turn)
                return 1

    def jobs(self) -> list[ScheduledJob]:
        """The core's own scheduled job: closing dialogs left unfinished."""
        return [ScheduledJob("expire_idle_dialogs", self.expire_idle_dialogs, every=SWEEP_EVERY)]

    async def _recognise(self, session, identity: ChannelIdentity, incoming: Incoming) -> Person | None:
        """A new address whose phone number belongs to a resident we know (from another messenger)."""
        person = await person_by_phone(session, incoming.phone)
        if person is None or person.consent_at is None:
            return None
        identity.person_id = person.id
        return person

    # -- one turn -------------------------------------------------------------------------------
    async def _converse(self, turn: Turn) -> None:
        conversation, features = turn.conversation, turn.config.features
        settled = self._settled_in(turn)
        if await self._taken_aside(turn, settled=settled):
            if not settled and (conversation.nonce == 0 or conversation.flow != features.onboarding.flow):
                turn.go(*features.onboarding)  # e.g. a staff member's first message: then the first steps
                await settle(turn)
            return  # e.g. an answer to an announcement: the dialog stays where it is, nothing is asked again
        command = parse_command(turn.incoming, features)
        if conversation.nonce == 0 and turn.person is not None and turn.person.quarter_id is not None:
            conversation.language = turn.person.language  # known from another messenger
            turn.say(turn._("Welcome! We know you from another messenger: your requests are here too."))
            turn.go_home()
        elif command is not None:
            await self._obey(turn, *command)
        elif turn.kind == InputKind.CONTACT and turn.message.phone and turn.person is not None:
            turn.person = await do_link_phone(turn.session, turn.person, turn.message.phone)
            turn.say(turn._("Thank you, your phone number is saved. If you also write to us on WhatsApp "
                            "from this number, you will see the same requests there."))
        elif conversation.nonce == 0:
            turn.go(*features.onboarding)  # first contact: whatever was sent, ask the language
        elif not self._settled_in(turn) and conversation.flow != features.onboarding.flow:
            turn.go(*features.onboarding)
        elif turn.pressed_stale_button():
            turn.say(turn._("That button belongs to an earlier step. Here is where we are now:"))
        elif turn.choice() == CANCEL_OPTION:
            self._confirm_cancel(turn)
        else:
            await current_flow(turn).step(conversation.step).handle(turn)
        await settle(turn)

    async def _taken_aside(self, turn: Turn, *, settled: bool) -> bool:
        for aside in turn.config.features.provided(Aside):
            if (settled or aside.before_onboarding) and await aside.take(turn):
                return True
        return False

    def _settled_in(self, turn: Turn) -> bool:
        person = turn.person
        return turn.conversation.language is not None and person is not None and person.quarter_id is not None

    async def _obey(self, turn: Turn, command: Command, word: str) -> None:
        if command == Builtin.START:
            if self._settled_in(turn):
                self._say_if_draft_dropped(turn)
                turn.say(turn._("Welcome back!"))
                turn.go_home()
            else:
                turn.go(*turn.config.features.onboarding)
        elif command == Builtin.HELP:
            if turn.conversation.language is None:
                turn.say("\n".join(both("Please choose a language first.")))
            else:
                menu.say_help(turn)
        elif not self._settled_in(turn):
            turn.say("\n".join(both("Let us finish the first steps first.")) if turn.conversation.language is None
                     else turn._("Let us finish the first steps first."))
        elif command == Builtin.CANCEL:
            self._cancel(turn)
        elif command == Builtin.UNKNOWN:
            turn.say(turn._("I do not know the command {command}. Send /help to see what I can do.", command=word))
        else:  # a feature's command: the step it opens
            self._say_if_draft_dropped(turn)
            turn.go(*command)

    def _confirm_cancel(self, turn: Turn) -> None:
        """The Cancel button (or its number, easy to send by mistake) asks first if there is a draft."""
        flow = current_flow(turn)
        if "cancel" in flow.steps and turn.conversation.step != "cancel":
            back = turn.conversation.step
            turn.go(flow.name, "cancel")
            turn.update(back=back)
        else:
            self._cancel(turn)

    def _cancel(self, turn: Turn) -> None:
        flow = current_flow(turn)
        if flow.name == turn.config.features.home.flow:
            turn.say(turn._("There is nothing to cancel."))
        elif flow.times_out:
            turn.say(turn._("Cancelled. The request was not sent."))
        turn.go_home()

    def _say_if_draft_dropped(self, turn: Turn) -> None:
        if current_flow(turn).times_out and turn.data:
            turn.say(turn._("Cancelled. The request was not sent."))

