"""The delivery worker against a scripted sender (the network edge): crash safety,
order per chat, retries, blocked people, permanent failures."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.delivery.limiter import SlidingWindowLimiter
from bot.delivery.sender import PermanentFailure, RetryLater, TransientFailure, Unreachable
from bot.delivery.worker import DeliveryWorker
from bot.instance import Instance
from handlers.conversation import ConversationCore
from handlers.envelope import Incoming, InputKind, Reply
from handlers.services.outbox import do_enqueue
from storage.db import Database
from storage.enums import Channel, OutboxStatus
from storage.models import ChannelIdentity, OutboxMessage
from storage.types import utcnow
from tests.core_config import core_config
from tests.test_limiter import busiest_window
from tests.waiting import eventually

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class ScriptedSender:
    channel = Channel.CONSOLE
    per_chat_interval = 0.0

    def __init__(self, script: list[Exception | None] | None = None) -> None:
        self.script, self.sent = list(script or []), []

    async def send(self, message):
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        self.sent.append((message.address, message.reply.text))
        return f"ext-{message.id}"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


async def say(core: ConversationCore, address: str, text: str = "/start") -> None:
    await core.handle(Incoming(channel=Channel.CONSOLE, address=address, kind=InputKind.TEXT, text=text))


async def statuses(db) -> list[str]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(OutboxMessage.status).order_by(OutboxMessage.id))).all())


class HangingSender(ScriptedSender):
    """A send that never comes back: the process dies while it is under way."""

    async def send(self, message):
        await asyncio.Event().wait()


async def test_a_crash_while_sending_delays_the_message_until_the_lease_ends_and_it_goes_out_once(db):
    clock = Clock()
    core = ConversationCore(db, core_config(), clock=clock)
    await say(core, "console:a")
    crashed = DeliveryWorker(db, {Channel.CONSOLE: HangingSender()}, clock=clock)
    round_ = asyncio.create_task(crashed.deliver_due())
    await eventually(lambda: _all_are(db, "sending"), "the message was never under way")
    round_.cancel()  # the process is killed mid-send

    sender = ScriptedSender()
    restarted = DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock)
    assert await restarted.deliver_due() == 0  # the lease still holds: nobody else takes it yet
    clock.now += crashed.lease + timedelta(seconds=1)
    assert await restarted.deliver_due() == 1
    assert await restarted.deliver_due() == 0
    assert [a for a, _ in sender.sent] == ["console:a"] and await statuses(db) == ["sent"]


async def test_messages_to_one_chat_keep_their_order_after_a_retry(db):
    clock = Clock()
    sender = ScriptedSender([RetryLater(3)])
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock)
    core = ConversationCore(db, core_config(), clock=clock)
    await say(core, "console:b")
    await say(core, "console:b", "/help")
    assert await worker.deliver_due() == 1  # the first waits for retry_after; the second is not even taken
    assert sender.sent == [] and await statuses(db) == ["pending", "pending"]
    clock.now += timedelta(seconds=3)
    assert await worker.deliver_due() == 1  # the first, and only once it is settled ...
    assert await worker.deliver_due() == 1  # ... the second
    assert len(sender.sent) == 2 and "Тилди тандаңыз" in sender.sent[0][1]
    assert await statuses(db) == ["sent", "sent"]


@pytest.mark.parametrize("failure, final", [
    (Unreachable("Forbidden: bot was blocked by the user"), "blocked"),
    (PermanentFailure("Bad Request: chat not found"), "failed"),
])
async def test_blocked_and_permanent_failures_are_recorded(db, failure, final):
    clock = Clock()
    worker = DeliveryWorker(db, {Channel.CONSOLE: ScriptedSender([failure])}, clock=clock)
    await say(ConversationCore(db, core_config(), clock=clock), "console:c")
    await worker.deliver_due()
    async with db.reader() as session:
        row = (await session.scalars(sa.select(OutboxMessage))).one()
        identity = (await session.scalars(sa.select(ChannelIdentity))).one()
    assert row.status == final and str(failure) in row.last_error
    assert (identity.blocked_at is not None) == (final == "blocked")


async def test_transient_failures_back_off_then_give_up(db):
    clock = Clock()
    sender = ScriptedSender([TransientFailure("502")] * 3)
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock, max_attempts=3)
    await say(ConversationCore(db, core_config(), clock=clock), "console:d")
    await worker.deliver_due()
    async with db.reader() as session:
        row = (await session.scalars(sa.select(OutboxMessage))).one()
    assert row.status == OutboxStatus.PENDING and row.next_attempt_at == START + timedelta(seconds=2)
    assert await worker.deliver_due() == 0  # not before its time
    clock.now = row.next_attempt_at
    await worker.deliver_due()
    clock.now += timedelta(seconds=10)
    await worker.deliver_due()
    assert await statuses(db) == ["failed"] and sender.sent == []


class LimitedSender(ScriptedSender):
    """Sends through a sliding-window limiter, as the Telegram and WhatsApp senders do."""

    def __init__(self, limit: int, window: float) -> None:
        super().__init__()
        self.limiter = SlidingWindowLimiter(limit, window)
        self.open = asyncio.Event()
        self.open.set()
        self.starts: list[float] = []
        self.asked = 0

    async def send(self, message):
        self.asked += 1
        await self.open.wait()
        async with self.limiter.slot(message.priority, message.settled):
            self.starts.append(time.monotonic())
            return await super().send(message)


async def test_while_outcomes_cannot_be_recorded_no_more_than_the_limit_are_sent(db, db_url):
    """What a crash can send twice is what was sent and not yet recorded: the limiter keeps that
    to its limit even when recording stalls for many windows."""
    core = ConversationCore(db, core_config())
    for person in range(40):
        await say(core, f"console:{person}")
    sender = LimitedSender(limit=10, window=0.2)
    sender.open.clear()
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, record_every=0.05)
    delivery = asyncio.create_task(worker.run())
    other_process = Database(db_url)
    try:
        await eventually(lambda: _all_are(db, "sending"), "the messages were not claimed")
        async with other_process.transaction() as session:  # holds the outbox rows: nothing can be recorded
            await session.execute(sa.select(OutboxMessage.id).with_for_update())
            sender.open.set()
            await eventually(lambda: len(sender.sent) >= 10, "the first ten were not sent")
            await asyncio.sleep(1.2)  # then six windows of 0.2 s pass: the window alone would let more go
            assert len(sender.sent) == 10
        await eventually(lambda: _all_are(db, "sent"), "not all were sent")
    finally:
        worker.stop()
        await delivery
        await other_process.dispose()
    assert sorted(address for address, _ in sender.sent) == sorted(f"console:{p}" for p in range(40))


async def test_a_row_whose_lease_ran_out_while_it_waited_is_not_sent_twice_by_the_same_worker(db):
    core = ConversationCore(db, core_config())
    for person in range(8):
        await say(core, f"console:{person}")
    sender = LimitedSender(limit=2, window=0.4)  # 8 messages take about 1.6 s ...
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, lease=timedelta(seconds=0.3))  # ... leases 0.3 s
    delivery = asyncio.create_task(worker.run())
    try:
        await eventually(lambda: _all_are(db, "sent"), "not all were sent")
        # A barrier instead of a pause: a copy claimed again went into its lane before any later
        # claim, so once a message written now has gone out, a copy would have gone out before it.
        await say(core, "console:last")
        worker.wake()
        await eventually(lambda: "console:last" in [address for address, _ in sender.sent], "the last one was not sent")
    finally:
        worker.stop()
        await delivery
    assert sorted(address for address, _ in sender.sent) == sorted([f"console:{p}" for p in range(8)] + ["console:last"])


async def _all_are(db, status: str) -> bool:
    found = await statuses(db)
    return bool(found) and set(found) == {status}


class LaneLimitedSender(LimitedSender):
    """One lane with its limit, as one Telegram bot has: its limiter takes the database's slots."""

    def limiters_by_lane(self) -> dict[str, SlidingWindowLimiter]:
        return {"console:": self.limiter}


async def test_instances_sharing_a_lane_each_send_a_share_within_its_one_limit(db):
    core = ConversationCore(db, core_config())
    for person in range(24):
        await say(core, f"console:{person}")
    limit, window = 4, 0.2
    senders = [LaneLimitedSender(limit, window), LaneLimitedSender(limit, window)]
    workers = [DeliveryWorker(db, {Channel.CONSOLE: sender}, shared=True, batch=6) for sender in senders]  # 6 ahead
    for sender in senders:  # until both have claimed: on a loaded machine one could send all 24 alone first
        sender.open.clear()
    deliveries = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        await eventually(lambda: all(sender.asked for sender in senders), "an instance claimed nothing")
        for sender in senders:
            sender.open.set()
        await eventually(lambda: _all_are(db, "sent"), "not all were sent")
    finally:
        for worker in workers:
            worker.stop()
        await asyncio.gather(*deliveries)
    sent = [address for sender in senders for address, _ in sender.sent]
    assert sorted(sent) == sorted(f"console:{person}" for person in range(24))  # each once
    assert all(sender.sent for sender in senders)  # both sent some
    starts = [at for sender in senders for at in sender.starts]
    assert busiest_window(starts, window) <= limit  # one limit for both


async def test_a_chats_messages_written_together_all_go_at_once_without_waiting_for_the_idle_poll(db):
    """A claim round takes one row per address (the next waits until its elder is under way here): the
    round that took one with a newer behind it is followed by another at once, not by the idle poll."""
    await say(ConversationCore(db, core_config()), "console:many")
    async with db.transaction() as session:
        identity = (await session.scalars(sa.select(ChannelIdentity).where(
            ChannelIdentity.address == "console:many"))).one()
        for n in range(3):
            do_enqueue(session, identity, Reply(f"part {n}"), utcnow())
    sender = ScriptedSender()
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, idle_poll=3600)  # an idle wait would never end
    delivery = asyncio.create_task(worker.run())
    try:
        await eventually(lambda: len(sender.sent) == 4, "the chat's later messages waited")
    finally:
        worker.stop()
        await delivery
    assert [text for _, text in sender.sent][1:] == ["part 0", "part 1", "part 2"]


async def test_a_claim_round_beats_for_the_instance_only_when_its_heartbeat_is_late(db):
    """The heartbeat task renews the instance's row every quarter of its time to live; a claim round
    adds a beat of its own (two more statements in its transaction) only once half of it has gone."""
    clock = Clock()
    worker = DeliveryWorker(db, {Channel.CONSOLE: ScriptedSender()}, clock=clock)
    beats: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if "INTO instances" in statement:
            beats.append(statement)
    await worker.instance.renew()
    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        await worker.deliver_due()
        assert beats == []
        clock.now += worker.lease * 0.6  # the heartbeat task is late: the claim keeps the row alive
        await worker.deliver_due()
        assert len(beats) == 1
        assert worker.instance.alive_until == clock.now + worker.lease
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", note)


@pytest.mark.parametrize("backend", ["postgresql"])  # instances share a database only there
async def test_replies_written_here_wake_the_other_instances_only_if_left_waiting(db):
    """A turn's replies are claimed by the instance that wrote them: the others are not woken for them
    (each would run a claim round that finds nothing). A reply left waiting behind an older message to
    its chat, under way in another instance, wakes the others at once: that instance takes it."""
    core = ConversationCore(db, core_config())
    sender = ScriptedSender()
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, idle_poll=3600)
    told: list[str] = []
    worker.also_wake.append(lambda: told.append("others"))
    elsewhere = Instance(db)
    await elsewhere.renew()
    delivery = asyncio.create_task(worker.run())
    try:
        await say(core, "console:here")
        worker.wake_for_replies()
        await eventually(lambda: [address for address, _ in sender.sent] == ["console:here"], "the reply was not sent")
        assert told == []  # the round looks whether anything is left before it sends what it claimed

        await say(core, "console:there")
        async with db.transaction() as session:  # its first reply is under way in the other instance
            await session.execute(sa.update(OutboxMessage).where(OutboxMessage.address == "console:there")
                                  .values(status=OutboxStatus.SENDING, claimed_by=elsewhere.id))
            identity = (await session.scalars(sa.select(ChannelIdentity).where(
                ChannelIdentity.address == "console:there"))).one()
            do_enqueue(session, identity, Reply("the next"), utcnow())
        worker.wake_for_replies()
        await eventually(lambda: told == ["others"], "the other instances were not told of the reply left waiting")
    finally:
        worker.stop()
        await delivery
    assert [address for address, _ in sender.sent] == ["console:here"]  # the next waits for the other instance


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite always takes the full claim
async def test_between_takeovers_a_claim_round_is_one_statement_outside_a_transaction_and_takes_only_waiting_rows(db):
    """Most rounds claim rows that wait in one statement, committed alone (no BEGIN, no COMMIT, no second
    statement marking them). A row under way in a dead instance is left to the full claim, which takes it
    over (its holder checked again on a new snapshot)."""
    core = ConversationCore(db, core_config())
    await say(core, "console:waiting")
    await say(core, "console:orphaned")
    async with db.transaction() as session:  # under way in an instance that died (no heartbeat row)
        await session.execute(sa.update(OutboxMessage).where(OutboxMessage.address == "console:orphaned")
                              .values(status=OutboxStatus.SENDING, claimed_by="vm:1:dead"))
    worker = DeliveryWorker(db, {Channel.CONSOLE: ScriptedSender()})
    await worker.instance.renew()
    statements: list[tuple[str, object]] = []

    def note(connection, _cursor, statement, *_args) -> None:
        statements.append((statement.split()[0], connection.get_execution_options().get("isolation_level")))
    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        claimed = await worker._claim({"console:": 10}, full=False)
        assert [message.address for message in claimed] == ["console:waiting"]
        assert statements == [("UPDATE", "AUTOCOMMIT")]
        statements.clear()
        taken_over = await worker._claim({"console:": 10}, full=True)
        assert [message.address for message in taken_over] == ["console:orphaned"]
        assert [kind for kind, _ in statements] == ["SELECT", "SELECT", "UPDATE"]  # with its holder's second look
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", note)
    assert await statuses(db) == [OutboxStatus.SENDING, OutboxStatus.SENDING]


async def test_a_stop_lets_a_recording_under_way_finish_instead_of_cancelling_it(db):
    """Outcomes are recorded in a transaction of their own every few tenths of a second. A stop waits for
    a recording under way: a cancel landing inside its SQLite transaction could leave the connection
    holding the write lock, and the scheduler's lease release at stop then failed after 30 s."""
    await say(ConversationCore(db, core_config()), "console:recorded")
    worker = DeliveryWorker(db, {Channel.CONSOLE: ScriptedSender()}, record_every=0.01)
    recording, go_on, cancelled = asyncio.Event(), asyncio.Event(), []
    record = worker._record

    async def slow_record(outcomes):
        recording.set()
        try:
            await go_on.wait()
        except asyncio.CancelledError:
            cancelled.append(outcomes)
            raise
        await record(outcomes)
    worker._record = slow_record
    delivery = asyncio.create_task(worker.run())
    await asyncio.wait_for(recording.wait(), 30)
    worker.stop()
    asyncio.get_running_loop().call_later(0.05, go_on.set)
    await asyncio.wait_for(delivery, 30)
    assert cancelled == []
    assert await statuses(db) == [OutboxStatus.SENT]


@pytest.mark.parametrize("backend", ["postgresql"])  # instances share a database only there
async def test_a_turn_names_the_chats_it_wrote_to_and_only_a_chat_the_round_left_is_looked_for_elsewhere(db):
    """The turn tells the worker which chats it wrote to. When the round after it claimed a message to each
    of them, none can wait behind a message under way in another instance, and no statement looks for
    one (that look ran after nearly every round at 100 updates/s and found nothing); a chat the round left
    is looked for, and the other instances are told."""
    sender = ScriptedSender()
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, idle_poll=3600)
    core = ConversationCore(db, core_config(), on_replies=worker.wake_for_replies)
    told: list[str] = []
    worker.also_wake.append(lambda: told.append("others"))
    elsewhere = Instance(db)
    await elsewhere.renew()
    await say(ConversationCore(db, core_config()), "console:there")  # written, nobody woken
    async with db.transaction() as session:  # its first reply is under way in the other instance
        await session.execute(sa.update(OutboxMessage).where(OutboxMessage.address == "console:there")
                              .values(status=OutboxStatus.SENDING, claimed_by=elsewhere.id))
    looks: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if statement.startswith("SELECT outbox.id \nFROM outbox"):
            looks.append(statement)
    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    delivery = asyncio.create_task(worker.run())
    try:
        await say(core, "console:here")
        await eventually(lambda: [address for address, _ in sender.sent] == ["console:here"], "the reply was not sent")
        assert looks == [] and told == []

        await say(core, "console:there", "/help")
        await eventually(lambda: told == ["others"], "the other instances were not told of the reply left waiting")
        assert len(looks) == 1
    finally:
        worker.stop()
        await delivery
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", note)
    assert [address for address, _ in sender.sent] == ["console:here"]  # the next waits for the other instance
