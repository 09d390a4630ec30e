"""The intake shared by instances on PostgreSQL (bot/intake.py with an instance, bot/intake_claims.py),
two instances in one process on one database: updates of a chat recorded by either are handled one
at a time, in the order recorded, each once; a chat held by an instance that dies is taken over
when its heartbeat lapses. The wake-ups between instances (bot/wakeups.py): a NOTIFY is heard by
the other instance, also after its connection dropped. And INTAKE_WORKERS, gone, is ignored with
a clear line."""

import asyncio
import logging
import time
from datetime import timedelta

import asyncpg
import pytest
import sqlalchemy as sa

from bot.instance import Instance
from bot.intake import Arrival, IntakeQueue, Queued
from bot.intake_claims import do_claim_heads
from bot.wakeups import INTAKE, OUTBOX, Wakeups, asyncpg_dsn
from handlers.services.intake import do_claim_intake
from main import build_service
from storage.enums import Channel, IntakeStatus
from storage.models import IntakeItem
from storage.types import utcnow
from tests.test_telegram_e2e import settings_for
from tests.waiting import PATIENCE, eventually, within

TTL = timedelta(seconds=2)
CHATS, PER_CHAT = 8, 6


class Handling:
    """What the instances' processors did: which item, by which instance; and any chat handled by two
    at once. An item of a chat in ``stuck`` is taken and never finished (its instance is to die)."""

    def __init__(self, db) -> None:
        self.db, self.done, self.overlaps = db, [], []
        self.busy: set[str] = set()
        self.stuck: set[str] = set()
        self.stuck_taken = asyncio.Event()
        self.first_waits_for_second = False
        """Instance 0's turns wait until instance 1 has begun one (so both are seen to take chats)."""
        self.second_began = asyncio.Event()

    def processor(self, who: int):
        async def process(item: Queued) -> bool:
            if item.routing_key in self.busy:
                self.overlaps.append(item.external_id)
            self.busy.add(item.routing_key)
            try:
                if who == 1:
                    self.second_began.set()
                elif self.first_waits_for_second:
                    await self.second_began.wait()
                if item.routing_key in self.stuck and who == 0:
                    self.stuck_taken.set()
                    await asyncio.Event().wait()  # holds the chat until this instance dies
                async with self.db.transaction() as session:
                    if await do_claim_intake(session, item.id, utcnow()):
                        self.done.append((who, item.routing_key, item.external_id))
            finally:
                self.busy.discard(item.routing_key)
            return True
        return process

    def order_of(self, chat: str) -> list[str]:
        return [external_id for _, key, external_id in self.done if key == chat]


def arrival(chat: int, n: int) -> Arrival:
    return Arrival(f"{chat}:{n}", f"chat:{chat}", {"n": n})


async def start(db, handling: Handling, who: int, concurrency: int = 64) -> tuple[Instance, IntakeQueue,
                                                                                   list[asyncio.Task]]:
    instance = Instance(db, ttl=TTL)
    await instance.renew()
    queue = IntakeQueue(db, {Channel.TELEGRAM: handling.processor(who)}, apologize=None, instance=instance,
                        idle_poll=0.2, concurrency=concurrency)
    return instance, queue, [asyncio.create_task(instance.keep_alive()), asyncio.create_task(queue.run())]


def idle(queue: IntakeQueue) -> bool:
    """The queue's run loop waits to be woken, no claim round due: it claims nothing until woken."""
    return queue.idle and queue._claim_later is None and not queue._wake.is_set()


async def stop(tasks: list[asyncio.Task], queue: IntakeQueue | None = None) -> None:
    """Cancels the tasks (and what ``queue`` is processing): an instance dying, or the test's end."""
    tasks = tasks + list(queue._tasks if queue is not None else ())
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite runs one process and keeps its own queue
async def test_a_chats_updates_recorded_by_two_instances_are_handled_one_at_a_time_in_order_once(db):
    handling = Handling(db)
    # The first instance holds at most two chats and its turns wait until the second has begun one: however
    # quick its claim rounds, the second takes chats too.
    handling.first_waits_for_second = True
    (_, first, first_tasks), (_, second, second_tasks) = [await start(db, handling, who, concurrency=(2, 64)[who])
                                                          for who in (0, 1)]
    try:
        for n in range(PER_CHAT):  # each update of a chat to the other instance than the one before
            for chat in range(CHATS):
                await (first, second)[(chat + n) % 2].record(Channel.TELEGRAM, [arrival(chat, n)])
        await eventually(lambda: len(handling.done) == CHATS * PER_CHAT, "not every update was handled")
    finally:
        await stop(first_tasks + second_tasks)
    assert handling.overlaps == []
    for chat in range(CHATS):
        assert handling.order_of(f"chat:{chat}") == [f"{chat}:{n}" for n in range(PER_CHAT)]
    assert {who for who, _, _ in handling.done} == {0, 1}  # both instances took chats


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_dead_instances_chat_is_taken_over_when_its_heartbeat_lapses_and_stays_in_order(db):
    handling = Handling(db)
    handling.stuck.add("chat:0")
    doomed, doomed_queue, doomed_tasks = await start(db, handling, 0)
    await doomed_queue.record(Channel.TELEGRAM, [arrival(0, 0)])
    await within(handling.stuck_taken.wait(), "the doomed instance did not take the chat")
    _, survivor_queue, survivor_tasks = await start(db, handling, 1)
    try:
        for n in range(1, 4):
            await survivor_queue.record(Channel.TELEGRAM, [arrival(0, n)])
        await survivor_queue.record(Channel.TELEGRAM, [arrival(1, 0)])
        await eventually(lambda: handling.order_of("chat:1") == ["1:0"], "another chat waited too")
        assert handling.order_of("chat:0") == []  # held by the doomed instance, alive yet
        await stop(doomed_tasks, doomed_queue)  # dies: its heartbeat stops, the chat's first update unfinished
        died = time.monotonic()
        await eventually(lambda: len(handling.order_of("chat:0")) == 4, "the chat was not taken over")
        takeover = time.monotonic() - died
    finally:
        await stop(survivor_tasks + doomed_tasks, doomed_queue)
    print(f"in-process takeover of a dead instance's chat: {takeover:.1f} s (heartbeat time to live {TTL})")
    assert handling.order_of("chat:0") == ["0:0", "0:1", "0:2", "0:3"]
    assert takeover <= TTL.total_seconds() + 2


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_chats_new_updates_go_to_the_instance_holding_its_oldest_not_to_one_that_held_it_before(db):
    """What an instance believes it holds may be out of date: it notes its chats, then claims, and a
    chat whose turn it just finished may meanwhile have gone to another instance (its next update
    claimed there). That chat's newer updates stay with the instance holding its oldest pending one;
    taken by the first, they were handled beside it, out of order (bench/instances_kill.py, dialog)."""
    before, holder = Instance(db, ttl=TTL), Instance(db, ttl=TTL)
    for instance in (before, holder):
        await instance.renew()
    recorder = IntakeQueue(db, {}, apologize=None, instance=before)

    async def claim(instance: Instance, **chats) -> list[str]:
        async with db.transaction() as session:
            rows, _ = await do_claim_heads(session, instance.id, [Channel.TELEGRAM], utcnow(), 10, **chats)
        return [row.external_id for row in rows]

    await recorder.record(Channel.TELEGRAM, [arrival(0, 0)])
    assert await claim(holder, known=set()) == ["0:0"]
    await recorder.record(Channel.TELEGRAM, [arrival(0, 1)])
    assert await claim(before, known=set(), held={"chat:0"}) == []
    async with db.reader() as session:
        head = await session.scalar(sa.select(IntakeItem.id).where(IntakeItem.external_id == "0:0"))
    assert await claim(holder, known={head}, held={"chat:0"}) == ["0:1"]


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_instance_wakes_the_others_only_for_what_it_leaves_to_them_an_albums_next_part_held_elsewhere(db):
    """Updates an instance records and claims itself wake nobody else. An album's next part recorded
    by another instance than the one gathering the album wakes that one (its claim round takes the
    part into the album): without the wake it would wait for the idle poll (an hour here) and be a
    step of its own. The chat's next update, recorded there too, ends the album."""
    steps: list[list[str]] = []

    async def process(item: Queued) -> bool:
        steps.append([each.external_id for each in (item, *item.album)])
        async with db.transaction() as session:
            for each in (item, *item.album):
                await do_claim_intake(session, each.id, utcnow())
        return True

    queues, instances, tasks = [], [], []
    for _ in range(2):
        instance = Instance(db, ttl=TTL)
        await instance.renew()
        queue = IntakeQueue(db, {Channel.TELEGRAM: process}, apologize=None, instance=instance,
                            idle_poll=3600, album_wait=PATIENCE)
        queue.albums[Channel.TELEGRAM] = lambda item: item.payload.get("album")
        queues.append(queue)
        instances.append(instance)
    gatherer, other = queues

    def run(who: int) -> None:  # one at a time: the other's first claim round would take what it finds
        tasks.extend([asyncio.create_task(instances[who].keep_alive()), asyncio.create_task(queues[who].run())])
    told = {gatherer: 0, other: 0}

    def wakes(queue: IntakeQueue, peer: IntakeQueue):
        def wake() -> None:  # what bot/wakeups.py does between processes
            told[queue] += 1
            peer.wake()
        return wake
    gatherer.also_wake.append(wakes(gatherer, other))
    other.also_wake.append(wakes(other, gatherer))
    try:
        run(0)
        await gatherer.record(Channel.TELEGRAM, [Arrival("solo", "chat:9", {})])
        await eventually(lambda: steps == [["solo"]], "the update was not handled")
        assert told == {gatherer: 0, other: 0}  # claimed where it was recorded: nobody else woken

        await gatherer.record(Channel.TELEGRAM, [Arrival("a:1", "chat:1", {"album": "A"})])
        # The album's first part waits for more, and the gatherer claims nothing until it is woken.
        await eventually(lambda: "chat:1" in gatherer._arrivals and idle(gatherer),
                         "the album's first part does not wait for more")
        run(1)
        await other.record(Channel.TELEGRAM, [Arrival("a:2", "chat:1", {"album": "A"})])
        await eventually(lambda: told[other] == 1, "the instance that recorded the part did not tell the other")
        await other.record(Channel.TELEGRAM, [Arrival("after", "chat:1", {})])
        await eventually(lambda: len(steps) == 3, "the album and the update after it were not handled")
    finally:
        await stop(tasks, gatherer)
        await stop([], other)
    assert steps == [["solo"], ["a:1", "a:2"], ["after"]]
    assert told[gatherer] == 0 and told[other] >= 1  # the second told of "after", or "after" came with a:2


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_update_another_instance_took_before_the_recording_ones_round_wakes_nobody(db, monkeypatch):
    """With two instances claiming, the other one's round often takes an update before the round of the
    one that recorded it: that round then finds nothing of its own, and tells nobody (the other has
    it). An update left waiting, its chat's older update held by the other instance, is told. The claim
    statement itself looks whether what was recorded still waits: no second statement."""
    handling = Handling(db)
    recorder_instance, taker_instance = Instance(db, ttl=TTL), Instance(db, ttl=TTL)
    for instance in (recorder_instance, taker_instance):
        await instance.renew()
    recorder = IntakeQueue(db, {Channel.TELEGRAM: handling.processor(1)}, apologize=None,
                           instance=recorder_instance, idle_poll=3600)
    taker = IntakeQueue(db, {Channel.TELEGRAM: handling.processor(0)}, apologize=None,
                        instance=taker_instance, idle_poll=3600)
    told: list[str] = []
    recorder.also_wake.append(lambda: told.append("taker"))
    tasks = [asyncio.create_task(instance.keep_alive()) for instance in (recorder_instance, taker_instance)]
    tasks.append(asyncio.create_task(taker.run()))
    looks: list[list[int]] = []

    async def look_of_its_own(_session, item_ids, _now) -> bool:
        looks.append(item_ids)
        return True
    monkeypatch.setattr("bot.intake.do_find_unclaimed", look_of_its_own)

    async def recorders_round() -> int:
        """The recorder's claim round; returns how many statements of their own looked for what it left."""
        looks.clear()
        await recorder._claim()
        return len(looks)
    try:
        await recorder.record(Channel.TELEGRAM, [arrival(1, 0)])  # the recorder's own round has not run
        taker.wake()
        await eventually(lambda: handling.done == [(0, "chat:1", "1:0")], "the other instance did not take it")
        assert await recorders_round() == 0
        assert told == []  # nothing left that waits: nobody woken

        handling.stuck.add("chat:2")
        await taker.record(Channel.TELEGRAM, [arrival(2, 0)])
        await within(handling.stuck_taken.wait(), "the taker did not take chat 2")  # and holds it: its turn hangs
        await eventually(lambda: idle(taker), "the taker's claim rounds did not end")  # it would take chat 2's next
        await recorder.record(Channel.TELEGRAM, [arrival(2, 1)])
        assert await recorders_round() == 0
        assert told == ["taker"]  # chat 2's next update waits for the taker: told
    finally:
        await stop(tasks, taker)
        await stop([], recorder)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_failed_attempt_at_an_update_another_instance_handled_leaves_it_handled(db):
    """Two instances may try one update (the first's heartbeat lapsed, the second took the chat over):
    when the one that fails notes its failure, the update the other handled stays handled, once."""
    instance = Instance(db, ttl=TTL)
    await instance.renew()
    attempts: list[int] = []

    async def fails_after_another_handled_it(item: Queued) -> bool:
        attempts.append(item.id)
        async with db.transaction() as session:  # the other instance's turn, done meanwhile
            await do_claim_intake(session, item.id, utcnow())
        raise RuntimeError("this instance's turn failed")

    queue = IntakeQueue(db, {Channel.TELEGRAM: fails_after_another_handled_it}, apologize=None, instance=instance,
                        idle_poll=0.2)
    await queue.record(Channel.TELEGRAM, [arrival(0, 0)])
    tasks = [asyncio.create_task(instance.keep_alive()), asyncio.create_task(queue.run())]
    try:
        await eventually(lambda: attempts and not queue._known and not queue._busy_keys, "the update was not tried")
    finally:
        await stop(tasks, queue)
    async with db.reader() as session:
        status, failures = (await session.execute(sa.select(IntakeItem.status, IntakeItem.attempts))).one()
    assert (status, failures) == (IntakeStatus.DONE, 0)
    assert len(attempts) == 1


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_an_instance_hears_anothers_notify_also_after_its_connection_dropped(db_url):
    heard: dict[str, asyncio.Event] = {INTAKE: asyncio.Event(), OUTBOX: asyncio.Event()}
    listening = Wakeups(db_url, {channel: event.set for channel, event in heard.items()})
    telling = Wakeups(db_url, {})
    tasks = [asyncio.create_task(listening.run()), asyncio.create_task(telling.run())]
    try:
        await within(heard[INTAKE].wait(), "a new listener did not look for what it missed")  # once, on connecting
        heard[INTAKE].clear()
        await eventually(lambda: telling._connection is not None, "no connection to notify on")
        telling.notify(INTAKE)
        await within(heard[INTAKE].wait(), "the notify was not heard")
        heard[OUTBOX].clear()  # before the cut: the listener may be back before the admin's close returns
        admin = await asyncpg.connect(asyncpg_dsn(db_url))
        try:  # the listener's connection is cut, as a restarted server or a network fault would
            cut = await admin.fetchval("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                                       "FROM pg_stat_activity "
                                       "WHERE datname = current_database() AND query LIKE 'LISTEN%'")
        finally:
            await admin.close()
        assert cut == 1
        await within(heard[OUTBOX].wait(), "the listener did not connect again")
        heard[INTAKE].clear()
        telling.notify(INTAKE)
        await within(heard[INTAKE].wait(), "a notify after the reconnection was not heard")
    finally:
        await stop(tasks)


async def test_intake_workers_set_is_ignored_with_a_clear_line(db_url, fake_api, caplog):
    with caplog.at_level(logging.WARNING, logger="kairyl"):
        service = await build_service(settings_for(db_url, fake_api.base_url, intake_workers=2))
    try:
        assert any("INTAKE_WORKERS is no longer used" in record.getMessage() for record in caplog.records)
    finally:
        await service.db.dispose()
        await service.channels.close()


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_claim_round_looks_for_a_held_chats_new_updates_only_when_there_may_be_some(db):
    """A round claims the chats' oldest updates in one statement; the held chats' newer ones take a second,
    run only when one may be there: an update of a held chat recorded here, or another instance's word.
    In every round it cost a statement that mostly found nothing."""
    handling = Handling(db)
    handling.stuck.add("chat:1")
    instance, queue, tasks = await start(db, handling, 0)
    queue.idle_poll = 3600  # no look for a lost wake-up meanwhile
    followers: list[str] = []

    def note(_connection, _cursor, statement, *_args) -> None:
        if "routing_key = ANY" in statement:
            followers.append(statement)
    sa.event.listen(db.engine.sync_engine, "before_cursor_execute", note)
    try:
        await queue.record(Channel.TELEGRAM, [arrival(1, 0)])
        await within(handling.stuck_taken.wait(), "chat 1 was not taken")  # held: its turn hangs
        await eventually(lambda: idle(queue), "the claim rounds did not end")
        followers.clear()
        await queue.record(Channel.TELEGRAM, [arrival(2, 0)])
        await eventually(lambda: handling.order_of("chat:2") == ["2:0"], "another chat's update was not handled")
        assert followers == []  # chat 1 held, nothing new of it: not looked for

        await queue.record(Channel.TELEGRAM, [arrival(1, 1)])
        await eventually(lambda: any(item.external_id == "1:1" for item in queue._ready.get("chat:1", ())),
                         "the held chat's new update was not claimed")
        assert len(followers) == 1

        queue.wake()  # another instance told of an update it left
        await eventually(lambda: len(followers) == 2, "the held chats were not looked at after another's word")
    finally:
        sa.event.remove(db.engine.sync_engine, "before_cursor_execute", note)
        await stop(tasks, queue)


@pytest.mark.parametrize("backend", ["postgresql"])
async def test_a_full_instance_tells_the_others_of_its_records_at_most_once_per_claim_interval(db, monkeypatch):
    """An instance with no room left tells the others of an update it records (they may have room), but
    at full load it recorded one every few milliseconds and told of each. It tells once per claim
    interval (the round the first wake-up starts takes whatever waits by then), and of what it did not
    tell of when the interval ends."""
    monkeypatch.setattr("bot.intake.CLAIM_EVERY", 2.0)  # longer than three records take on a loaded machine
    handling = Handling(db)
    handling.stuck.add("chat:1")
    instance, queue, tasks = await start(db, handling, 0, concurrency=1)
    queue.idle_poll = 3600
    told: list[float] = []
    queue.also_wake.append(lambda: told.append(time.monotonic()))
    try:
        await queue.record(Channel.TELEGRAM, [arrival(1, 0)])
        await within(handling.stuck_taken.wait(), "the instance did not take chat 1")  # now it is full
        started = time.monotonic()
        for chat in (2, 3, 4):
            await queue.record(Channel.TELEGRAM, [arrival(chat, 0)])
        assert len(told) == 1 and time.monotonic() - started < 2.0
        await eventually(lambda: len(told) == 2, "the rest was not told when the interval ended")
        assert told[1] - told[0] >= 2.0
    finally:
        await stop(tasks, queue)
