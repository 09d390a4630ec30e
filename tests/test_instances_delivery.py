"""Several delivery instances on one database (processes, as `serve` instances on different
machines would be): a broadcast goes out through the fake Bot API within the bot's limit
across them all (the lane is leased by one instance at a time), and when the instance
sending it is SIGKILLed, another takes the lane over within seconds: nobody is missed, the
progress line never goes backwards, and the duplicates are few (what was sent and not yet
recorded when it died). bench/instances_kill.py runs the same at 20 kill points."""

import pytest

from tests.instances_world import broadcast_with_a_kill
from tests.running import bot_api_at_30_per_second
from tests.test_broadcast_delivery import HEAD_CHAT, TOKEN

DUPLICATE_BOUND = 12  # what is sent in a record interval (0.2 s at 30/s) and the flush after it, and a margin


@pytest.fixture
async def api():
    async with bot_api_at_30_per_second(TOKEN) as api:
        yield api


@pytest.mark.parametrize("instances, kill_after", [(2, 90), (3, 180)], ids=["two", "three"])
async def test_instances_share_a_bots_broadcast_within_its_limit_and_survive_a_kill(
        db_url, db, api, instances, kill_after):
    run = await broadcast_with_a_kill(db_url, db, api, instances=instances, residents=300, kill_after=kill_after)
    print(f"{instances} instances, killed after {kill_after}: takeover {run.takeover:.1f} s, "
          f"{run.duplicates} duplicates, busiest second {run.busiest_second}")
    assert run.reached == set(range(run.residents)) | {HEAD_CHAT}  # nobody missed
    assert run.duplicates <= DUPLICATE_BOUND
    assert run.takeover <= 10
    assert run.busiest_second <= 30 and run.too_many_requests == 0  # the bot's limit, across them all
    assert run.progress == sorted(run.progress), f"the progress line went backwards: {run.progress}"
