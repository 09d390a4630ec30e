"""Group commit: what waits at the same moment is processed together; a failure stays with its item."""

import asyncio

import pytest
import sqlalchemy as sa

from handlers.batches import Batcher
from handlers.conversation import ConversationCore
from handlers.envelope import Incoming, InputKind
from storage.enums import Channel
from storage.models import Conversation, InboundMessage, OutboxMessage
from tests.core_config import core_config


class Doubler:
    """A batch function that remembers its batches and fails any batch holding a negative number."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.running = self.most_at_once = 0

    async def __call__(self, items):
        self.batches.append(list(items))
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        await asyncio.sleep(0.01)  # like a database round trip: others arrive meanwhile
        self.running -= 1
        if any(item < 0 for item in items):
            raise ValueError(f"negative in {items}")
        return [item * 2 for item in items]


async def test_items_waiting_together_share_a_batch_and_get_their_own_results():
    process = Doubler()
    batcher = Batcher(process, max_size=4)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(10)))
    assert results == [n * 2 for n in range(10)]
    assert process.batches == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]  # in order, at most max_size at once
    assert process.most_at_once == 1


async def test_with_concurrency_batches_overlap_and_results_stay_with_their_callers():
    process = Doubler()
    batcher = Batcher(process, max_size=3, concurrency=2)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(9)))
    assert results == [n * 2 for n in range(9)] and process.most_at_once == 2
    assert process.batches == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


async def test_a_failing_item_fails_alone_and_the_others_are_done_once():
    process = Doubler()
    batcher = Batcher(process, max_size=8)
    outcomes = await asyncio.gather(batcher.submit(1), batcher.submit(2), batcher.submit(-3), batcher.submit(4),
                                    return_exceptions=True)
    assert outcomes[:2] == [2, 4] and outcomes[3] == 8
    assert isinstance(outcomes[2], ValueError)
    # the batch failed as a whole (its unit of work rolled back), then each item went alone
    assert process.batches == [[1, 2, -3, 4], [1], [2], [-3], [4]]


async def test_a_caller_that_stops_waiting_does_not_stop_the_others():
    process = Doubler()
    batcher = Batcher(process)
    impatient = asyncio.create_task(batcher.submit(5))
    patient = asyncio.create_task(batcher.submit(6))
    await asyncio.sleep(0)
    impatient.cancel()
    assert await patient == 12
    with pytest.raises(asyncio.CancelledError):
        await impatient


async def test_the_core_answers_forty_people_writing_at_once_in_a_few_transactions(db):
    core = ConversationCore(db, core_config())
    begins = []
    sa.event.listen(db.engine.sync_engine, "begin", lambda _connection: begins.append(1))
    incomings = [Incoming(channel=Channel.CONSOLE, address=f"console:batch-{n}", kind=InputKind.TEXT, text="/start")
                 for n in range(40)]
    assert all(await asyncio.gather(*(core.handle(incoming) for incoming in incomings)))
    assert 2 <= len(begins) <= 4  # batched (at most 32 a time), not one transaction per message
    async with db.reader() as session:
        conversations = await session.scalar(sa.select(sa.func.count()).select_from(Conversation))
        inbound = await session.scalar(sa.select(sa.func.count()).select_from(InboundMessage))
        replies = (await session.scalars(sa.select(OutboxMessage.address))).all()
    assert conversations == inbound == 40 and sorted(replies) == sorted(i.address for i in incomings)
