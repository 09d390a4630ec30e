"""Several delivery instances on one database (processes, as `serve` instances on different
machines would be) all send one bot's broadcast: the bot's send slots are handed out by the
database (bot/delivery/slots.py), so each instance sends a real share while the bot's limit
holds across them all at the fake Bot API; everybody gets it once. When one of them is
SIGKILLed, the messages it held are taken over within seconds: nobody is missed, the progress
line never goes backwards, and the duplicates are few (what was sent and not yet recorded when
it died). bench/instances_kill.py runs the kill at many points."""

import pytest

from tests.instances_world import broadcast_over_instances
from tests.running import bot_api_at_30_per_second
from tests.test_broadcast_delivery import HEAD_CHAT, TOKEN

DUPLICATE_BOUND = 12  # what is sent in a record interval (0.2 s at 30/s) and the flush after it, and a margin


@pytest.fixture
async def api():
    async with bot_api_at_30_per_second(TOKEN) as api:
        yield api


@pytest.mark.parametrize("instances", [2, 3], ids=["two", "three"])
async def test_a_broadcast_to_a_thousand_is_split_over_the_instances_within_the_bots_limit(db_url, db, api, instances):
    run = await broadcast_over_instances(db_url, db, api, instances=instances, residents=1000)
    print(f"{instances} instances: shares {run.shares}, busiest second {run.busiest_second}, "
          f"{run.duplicates} duplicates, {run.seconds:.1f} s")
    assert run.reached == set(range(run.residents)) | {HEAD_CHAT}
    assert run.duplicates == 0  # each exactly once
    assert run.busiest_second <= 30 and run.too_many_requests == 0  # the bot's limit, across them all
    assert all(share >= 0.2 * run.residents for share in run.shares), run.shares  # each a real share
    assert run.progress == sorted(run.progress), f"the progress line went backwards: {run.progress}"


@pytest.mark.parametrize("instances, kill_after", [(2, 90), (3, 180)], ids=["two", "three"])
async def test_instances_sharing_a_broadcast_survive_the_kill_of_one(db_url, db, api, instances, kill_after):
    run = await broadcast_over_instances(db_url, db, api, instances=instances, residents=300, kill_after=kill_after)
    print(f"{instances} instances, killed after {kill_after}: it held {run.held_at_kill}, takeover "
          f"{run.takeover:.1f} s, {run.duplicates} duplicates, busiest second {run.busiest_second}, "
          f"shares {run.shares}")
    assert run.reached == set(range(run.residents)) | {HEAD_CHAT}  # nobody missed
    assert run.held_at_kill > 0  # it was sending its share
    assert run.duplicates <= DUPLICATE_BOUND
    assert run.takeover is not None and run.takeover <= 10
    assert run.busiest_second <= 30 and run.too_many_requests == 0  # the bot's limit, across them all
    assert run.progress == sorted(run.progress), f"the progress line went backwards: {run.progress}"
