"""Three, then two real `main.py serve` instances on one PostgreSQL in webhook mode, updates handed
to them in turn by a load balancer (tests/webhook_instances_world.py): each update is handled once,
each chat's updates one at a time in the order received though consecutive ones reach different
instances, the bot's 30 messages a second hold across the instances, and a broadcast to 1,000
residents reaches each once meanwhile. An instance SIGKILLed under a busy dialog load loses
nothing: the chats it held are taken over within seconds (its heartbeat lapses), in order.

One deployment serves the phases in turn (three instances; one killed; the two left), since
starting instances is what costs most here."""

import time
from math import nan

import pytest

from tests.broadcast_world import add_residents, demo_quarters
from tests.running import bot_api_at_30_per_second
from tests.test_broadcast_delivery import BOT_ID, HEAD_CHAT, TOKEN, broadcast_done, copies, order_for_everybody
from tests.test_limiter import busiest_window
from tests.waiting import PATIENCE, eventually
from tests.webhook_instances_world import LoadBalancer, check_dialogs, deployment, dialogs_with_a_kill

CHATS = 30
DUPLICATE_BOUND = 12  # replies sent and not yet recorded when an instance dies (as tests/test_instances_delivery.py)
RESIDENTS = 1000
TEXT = "Суу өчүрүлөт / Воду отключат"


@pytest.fixture
async def api():
    async with bot_api_at_30_per_second(TOKEN) as api:
        yield api


@pytest.mark.parametrize("backend", ["postgresql"])  # several instances share a server; SQLite runs one
async def test_instances_keep_each_chat_in_order_within_the_bots_limit_and_take_over_a_killed_ones_chats(
        db_url, db, api, tmp_path):
    bot = api.bot(TOKEN)
    await add_residents(db, await demo_quarters(db), RESIDENTS, address=f"telegram:{BOT_ID}:{{}}")
    async with deployment(db_url, api, 3, tmp_path) as instances:
        # Three instances: dialogs in bursts while a broadcast to 1,000 residents goes out.
        await order_for_everybody(db, TEXT)
        balancer = LoadBalancer(bot, instances)
        chats = list(range(60_000, 60_000 + CHATS))
        started = time.monotonic()
        await balancer.dialogs(chats)
        three = await check_dialogs(db, bot, chats)
        three_seconds = time.monotonic() - started
        assert all(instance.took >= CHATS for instance in instances)  # in turn: a third each
        assert all(three.in_order.values()) and three.repeated == 0
        assert all(three.handled_once_in_order.values())
        await eventually(lambda: broadcast_done(db), "the broadcast was not done",
                         timeout=RESIDENTS / 30 + 2 * PATIENCE, interval=0.5)
        await eventually(lambda: len(copies(api, TEXT)) >= RESIDENTS + 1, "not everybody got the broadcast",
                         interval=0.1)
        broadcast_seconds = time.monotonic() - started

        # One killed under a busy dialog load: the two left take its chats over.
        killed = await dialogs_with_a_kill(db, balancer, list(range(61_000, 61_000 + CHATS)), holding=3)

        # The two left, in turn.
        survivors = [instance for instance in instances if instance.alive]
        took_before = [instance.took for instance in survivors]
        chats = list(range(62_000, 62_000 + CHATS))
        started = time.monotonic()
        await balancer.dialogs(chats)
        two = await check_dialogs(db, bot, chats)
        two_seconds = time.monotonic() - started
    got = copies(api, TEXT)
    sends = [m.at for m in bot.sent]
    busiest = busiest_window(sends, 1.0)
    print(f"three instances: {CHATS} dialogs x 7 answered in {three_seconds:.1f} s, the broadcast to {RESIDENTS} "
          f"done in {broadcast_seconds:.1f} s; killed one holding {killed.chats_held} chats ({killed.stranded} "
          f"updates): taken over in {killed.takeover or nan:.1f} s, first reply after the kill in "
          f"{killed.first_reply or nan:.1f} s, "
          f"{killed.dialogs.repeated} replies repeated; two instances: {CHATS} dialogs in {two_seconds:.1f} s; "
          f"{len(sends)} messages, busiest second {busiest}")
    assert set(range(RESIDENTS)) | {HEAD_CHAT} <= set(got) and set(got.values()) == {1}  # each once
    assert killed.stranded  # the kill did strand chats, which the others took over
    assert not killed.dialogs.unanswered, killed.dialogs.unanswered
    assert all(killed.dialogs.in_order.values()), [chat for chat, ok in killed.dialogs.in_order.items() if not ok]
    assert all(killed.dialogs.handled_once_in_order.values())  # nothing lost, nothing handled twice, in order
    assert killed.dialogs.repeated <= DUPLICATE_BOUND
    assert killed.takeover is not None and killed.takeover <= 10
    assert all(instance.took - before >= CHATS for instance, before in zip(survivors, took_before, strict=True))
    assert all(two.in_order.values()) and two.repeated == 0
    assert all(two.handled_once_in_order.values())
    assert busiest <= 30 and bot.too_many_requests == 0  # the bot's limit, across the instances
