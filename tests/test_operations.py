"""Operating the service: /metrics (Prometheus), /livez and /readyz, over HTTP on the real service."""

import re

import sqlalchemy as sa
from aiohttp import ClientSession
from prometheus_client.parser import text_string_to_metric_families

from bot.ops.scrape import WAITING
from main import build_service
from storage.enums import Channel
from storage.models import OutboxMessage, Request
from storage.types import utcnow
from tests.harness import Chat, onboard, submit_request
from tests.test_telegram_e2e import TOKEN, settings_for
from tests.waiting import eventually

SECRET = "webhook-secret-for-metrics"


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of a Prometheus page: (name, sorted labels) → value."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def value(page: dict, name: str, **labels: str) -> float:
    return page.get((name, tuple(sorted(labels.items()))), 0.0)


async def fetch(url: str, **headers: str) -> tuple[int, str]:
    async with ClientSession() as client, client.get(url, headers=headers) as response:
        return response.status, await response.text()


async def test_metrics_count_updates_turns_and_sends_and_read_the_backlog_leases_and_overdue_requests(
        db_url, fake_api, unused_tcp_port):
    base = f"http://127.0.0.1:{unused_tcp_port}"
    service = await build_service(settings_for(db_url, fake_api.base_url, telegram_mode="webhook",
                                               http_port=unused_tcp_port, public_url=base,
                                               telegram_webhook_secret=SECRET))
    await service.start()
    try:
        bot = fake_api.bot(TOKEN)
        bot.blocked_chats.add(7003)
        for chat_id in (7001, 7002, 7003):
            assert await bot.deliver_webhook(bot.message_update(chat_id, "/start", update_id=chat_id)) == 200
        assert await bot.deliver_webhook(bot.message_update(7001, "/start", update_id=7001)) == 200  # again
        await bot.wait_sent(7001, 1)
        await bot.wait_sent(7002, 1)
        fake_api.flood_next = 1  # the next reply gets a 429 first, then goes
        for chat_id in (7004, 7005):
            assert await bot.deliver_webhook(bot.message_update(chat_id, "/start", update_id=chat_id)) == 200
        await bot.wait_sent(7004, 1)
        await bot.wait_sent(7005, 1)

        # A resident of the console (no sender in this service: its replies wait in the outbox)
        # whose request is past its deadline.
        resident = Chat(service.core, service.db, "console:metrics-resident")
        await onboard(resident)
        ticket = await submit_request(resident, "Свет не горит на улице Ленина")
        async with service.db.transaction() as session:
            await session.execute(sa.update(Request).where(Request.ticket == ticket).values(due_at=utcnow()))

        async def page() -> dict:
            status, text = await fetch(f"{base}/metrics")
            assert status == 200
            # No chat id, text or address: 7001 as a number of its own (a float's digits may hold it).
            assert not re.search(r"(?<![\d.])7001(?!\d)", text), text
            assert "Ленина" not in text and "metrics-resident" not in text
            return samples(text)

        async def telegram_outcomes_recorded() -> bool:  # a few tenths of a second after the sends
            async with service.db.reader() as session:
                return not await session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.channel == Channel.TELEGRAM, OutboxMessage.status.in_(WAITING)))

        # The gauges are read from the database at the first scrape (then kept for 10 s): after that.
        await eventually(telegram_outcomes_recorded, "the Telegram sends' outcomes were not recorded")
        metrics = await eventually(lambda: _when(page, lambda p: value(
            p, "kairyl_sends_total", channel="telegram", bot="123456", outcome="blocked") == 1), "no 403 counted")
        assert value(metrics, "kairyl_updates_received_total", channel="telegram") == 5
        assert value(metrics, "kairyl_updates_duplicate_total", channel="telegram") == 1
        assert value(metrics, "kairyl_updates_handled_total", channel="telegram", outcome="handled") == 5
        assert value(metrics, "kairyl_turn_seconds_count", channel="telegram") == 5
        assert value(metrics, "kairyl_turn_seconds_bucket", channel="telegram", le="+Inf") == 5
        assert value(metrics, "kairyl_sends_total", channel="telegram", bot="123456", outcome="sent") == 4
        assert value(metrics, "kairyl_sends_total", channel="telegram", bot="123456", outcome="rate_limited") == 1
        waiting = value(metrics, "kairyl_outbox_backlog", channel=Channel.CONSOLE, bot="")
        assert waiting == len(resident.replies) > 0
        assert value(metrics, "kairyl_outbox_oldest_seconds", channel=Channel.CONSOLE, bot="") >= 0
        assert ("kairyl_outbox_backlog", (("bot", "123456"), ("channel", "telegram"))) not in metrics
        assert value(metrics, "kairyl_requests_overdue", municipality="ALM") == 1
        assert value(metrics, "kairyl_lease_holder", lease="main", holder=service.scheduler.holder) == 1
        assert value(metrics, "kairyl_database_up") == 1

        # Not from here: behind a proxy on this machine, or another machine's address.
        assert (await fetch(f"{base}/metrics", **{"X-Forwarded-For": "203.0.113.7"}))[0] == 403
    finally:
        await service.stop()


async def _when(read, condition):
    page = await read()
    return page if condition(page) else None


async def test_a_metrics_token_is_asked_for_when_set(db, fake_api, unused_tcp_port):
    service = await build_service(settings_for(db.url, fake_api.base_url, http_port=unused_tcp_port,
                                               metrics_token="scrape-me-please"))
    await service.start()
    try:
        url = f"http://127.0.0.1:{unused_tcp_port}/metrics"
        assert (await fetch(url))[0] == 403
        assert (await fetch(url, Authorization="Bearer wrong-token"))[0] == 403
        status, text = await fetch(url, Authorization="Bearer scrape-me-please")
        assert status == 200 and "kairyl_updates_received" in text
    finally:
        await service.stop()


async def test_readiness_needs_the_schema_at_head_and_liveness_a_dead_task(db, fake_api, unused_tcp_port):
    service = await build_service(settings_for(db.url, fake_api.base_url, http_port=unused_tcp_port))
    base = f"http://127.0.0.1:{unused_tcp_port}"
    await service.start()
    try:
        assert await fetch(f"{base}/readyz") == (200, '{"ready": true, "problems": []}')
        assert (await fetch(f"{base}/livez"))[0] == 200
        async with service.db.transaction() as session:
            head = await session.scalar(sa.text("SELECT version_num FROM alembic_version"))
            await session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
        status, text = await fetch(f"{base}/readyz")
        assert status == 503 and f"schema at 0001, code at {head}" in text
        async with service.db.transaction() as session:
            await session.execute(sa.text("UPDATE alembic_version SET version_num = :head"), {"head": head})
        assert (await fetch(f"{base}/readyz"))[0] == 200

        delivery = next(task for task in service._tasks if task.get_name() == "delivery")
        delivery.cancel()  # as if it had crashed
        await eventually(delivery.done, "the delivery task did not end")
        assert await fetch(f"{base}/livez") == (503, '{"alive": false, "dead": ["delivery"]}')
    finally:
        await service.stop()
