"""WhatsApp through Twilio, in and out, against the fake Twilio REST API on 127.0.0.1.

    .venv/bin/python -m bench.whatsapp [--residents N] [--messages M] [--mps 80] [--db sqlite|postgresql]

1. Inbound, on the real Service with its send limit out of the way:
   (a) N×k signed webhooks from N phones, `--in-flight` at a time, while processing waits at a
       gate: acceptance alone (signature, durable intake row, empty TwiML); then the gate opens
       and the backlog's drain rate is noted;
   (b) N residents at once each file a request (submit_request of tests/test_whatsapp_e2e.py,
       12 turns); a turn is "webhook posted → its answer with options accepted by the fake".
2. Outbound, on a Service built with `--mps`: M messages to M identities inside the 24-hour
   window, inserted in one transaction, sent by the DeliveryWorker and the real WhatsAppSender;
   the fake's acceptance times give the rate and the busiest 1-second window.
One process and event loop runs it all (the fake and the clients too), so "process CPU ms"
counts both sides. PostgreSQL: KAIRYL_TEST_PG_URL; a fresh database is created and dropped.
Prints figures, writes bench/results/whatsapp.json; asserts nothing.
"""

import argparse
import asyncio
import cProfile
import logging
import re
import time
from collections import Counter

import sqlalchemy as sa

from bench._common import free_port, fresh_database, peak_rss_mb, percentile, write_results
from main import build_service
from settings import Settings
from storage.enums import Channel, IntakeStatus, OutboxStatus
from storage.models import ChannelIdentity, IntakeItem, OutboxMessage, Request
from storage.types import utcnow
from tests.fakes.twilio_api import FakeTwilioAPI
from tests.test_whatsapp_e2e import submit_request
from tests.whatsapp_user import WhatsAppUser

SID, TOKEN, FROM = "AC" + "2" * 32, "bench-auth-token", "whatsapp:+996312000000"
UNLIMITED, TURN_TIMEOUT, PHASE_TIMEOUT = 1_000_000, 60.0, 300.0
TICKET = re.compile(r"[A-Z]{3}-\d{4}-\d+")
BROADCAST = "whatsapp:+99677"  # the outbound identities' prefix


def watch(api: FakeTwilioAPI) -> tuple[list[tuple[float, str]], dict[str, asyncio.Event]]:
    """(time, to) of every message the fake accepts, and per-recipient events set on each."""
    accepted, events, accept = [], {}, api._accept

    def accepting(form: dict) -> dict:
        resource = accept(form)  # a refused message raises and is not noted
        accepted.append((time.perf_counter(), resource["to"]))
        if resource["to"] in events:
            events[resource["to"]].set()
        return resource

    api._accept = accepting
    return accepted, events


class TimedUser(WhatsAppUser):
    """A WhatsAppUser that waits on an event instead of sleeping, and notes each turn's latency."""

    def __init__(self, twilio, url, phone, events: dict, latencies: list[float]):
        super().__init__(twilio, url, phone)
        self.event, self.latencies = events.setdefault("whatsapp:" + phone, asyncio.Event()), latencies

    async def post(self, form: dict, timeout: float = TURN_TIMEOUT) -> dict:
        before, started = len(self.twilio.sent_to(self.phone)), time.perf_counter()
        assert await self.twilio.post_webhook(self.webhook_url, form) == 200
        async with asyncio.timeout(timeout):
            while True:
                sent = self.twilio.sent_to(self.phone)
                if len(sent) > before and "\n1. " in (sent[-1]["body"] or ""):
                    self.latencies.append(time.perf_counter() - started)
                    return sent[-1]
                self.event.clear()
                await self.event.wait()


async def start_service(db_url: str, twilio: FakeTwilioAPI, mps: int):
    port = free_port()
    service = await build_service(Settings(
        _env_file=None, database_url=db_url, http_port=port, public_url=f"http://127.0.0.1:{port}",
        twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_whatsapp_from=FROM,
        twilio_api_url=twilio.base_url, twilio_content_url=twilio.base_url, whatsapp_messages_per_second=mps,
        telegram_bot_token=None))
    return service, f"http://127.0.0.1:{port}/whatsapp/incoming"


async def count(service, model, *where) -> int:
    async with service.db.reader() as session:
        return await session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


async def until_count(service, expected: int, model, *where, timeout: float = PHASE_TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while await count(service, model, *where) != expected:
            await asyncio.sleep(0.05)


def ms(values: list[float]) -> dict:
    return {"p50_ms": 1000 * percentile(values, 50), "p99_ms": 1000 * percentile(values, 99)}


async def accept_webhooks(service, twilio, url: str, n: int, k: int, in_flight: int) -> dict:
    forms = iter([twilio.inbound_form(f"+99670{i:07d}", f"Салам {j}") for j in range(k) for i in range(n)])
    latencies, statuses, gate = [], Counter(), asyncio.Event()
    processor = service.intake.processors[Channel.WHATSAPP]

    async def held(item):
        await gate.wait()
        return await processor(item)

    async def client() -> None:
        for form in forms:  # one shared iterator: `in_flight` posts at a time
            started = time.perf_counter()
            statuses[await twilio.post_webhook(url, form)] += 1
            latencies.append(time.perf_counter() - started)

    service.intake.processors[Channel.WHATSAPP] = held
    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(client() for _ in range(in_flight)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    recorded = await count(service, IntakeItem)
    service.intake.processors[Channel.WHATSAPP] = processor
    drain, drain_cpu = time.perf_counter(), time.process_time()
    gate.set()
    await until_count(service, 0, IntakeItem, IntakeItem.status == IntakeStatus.PENDING)
    drain, drain_cpu = time.perf_counter() - drain, time.process_time() - drain_cpu
    await until_count(service, 0, OutboxMessage, OutboxMessage.status.in_([OutboxStatus.PENDING,
                                                                           OutboxStatus.SENDING]))
    return {"webhooks": n * k, "in_flight": in_flight, "http_statuses": dict(statuses), "intake_rows": recorded,
            "accepted_per_s": n * k / elapsed, **ms(latencies), "cpu_ms_each": 1000 * cpu / (n * k),
            "backlog_processed_per_s": n * k / drain, "backlog_cpu_ms_each": 1000 * drain_cpu / (n * k)}


async def full_flow(service, twilio, url: str, events: dict, n: int) -> dict:
    latencies: list[float] = []
    users = [TimedUser(twilio, url, f"+99655{i:07d}", events, latencies) for i in range(n)]
    started, cpu = time.perf_counter(), time.process_time()
    async with asyncio.timeout(PHASE_TIMEOUT):
        bodies = await asyncio.gather(*(submit_request(u, ("Кыргызча", "Русский")[i % 2])
                                        for i, u in enumerate(users)))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    answered = {m.group(0) for body in bodies if (m := TICKET.search(body))}
    async with service.db.reader() as session:
        stored = set(await session.scalars(sa.select(Request.ticket)))
    return {"residents": n, "turns": len(latencies), "turns_per_s": len(latencies) / elapsed,
            "requests_per_s": len(stored) / elapsed, **ms(latencies),
            "cpu_ms_per_turn": 1000 * cpu / len(latencies),
            "requests_stored": len(stored), "distinct_tickets_answered": len(answered),
            "all_stored_and_distinct": len(stored) == len(answered) == n,
            "failed_intake": await count(service, IntakeItem, IntakeItem.status == IntakeStatus.FAILED)}


async def do_fill_outbox(service, m: int) -> set[str]:
    now, addresses = utcnow(), [f"{BROADCAST}{i:07d}" for i in range(m)]
    payload = {"text": "Эртең 10:00дөн 16:00гө чейин суу өчүрүлөт.", "language": "ky", "nonce": 0, "options": []}
    async with service.db.transaction() as session:
        await session.execute(sa.insert(ChannelIdentity), [
            {"address": a, "channel": Channel.WHATSAPP, "last_inbound_at": now, "created_at": now} for a in addresses])
        ids = dict((await session.execute(sa.select(ChannelIdentity.address, ChannelIdentity.id)
                                          .where(ChannelIdentity.address.like(BROADCAST + "%")))).all())
        await session.execute(sa.insert(OutboxMessage), [
            {"identity_id": ids[a], "channel": Channel.WHATSAPP, "address": a, "payload": payload, "priority": 9,
             "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now}
            for a in addresses])
    return set(addresses)


def busiest_window(times: list[float], window: float = 1.0) -> int:
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


async def outbound(db_url: str, twilio, accepted: list, m: int, mps: int) -> dict:
    service, _ = await start_service(db_url, twilio, mps)
    ours = await do_fill_outbox(service, m)
    accepted.clear()
    answered_before, done = len(twilio.responses), None
    started, cpu = time.perf_counter(), time.process_time()
    await service.start()
    try:
        await until_count(service, m, OutboxMessage, OutboxMessage.status == OutboxStatus.SENT,
                          OutboxMessage.address.like(BROADCAST + "%"), timeout=2 * m / mps + 30)
        done, cpu = time.perf_counter(), time.process_time() - cpu
    except TimeoutError:
        pass
    finally:
        await service.stop()
    times = [t for t, to in accepted if to in ours]
    distinct = len({to for _, to in accepted if to in ours})
    # n messages with at most R in any 1 s window need a span ≥ n/R − 1 s, so n/(span + 1 s) ≤ R
    paced = len(times) / (times[-1] - times[0] + 1.0) if times else 0.0
    return {"messages": m, "mps": mps, "accepted": len(times), "lost": m - distinct,
            "duplicated": len(times) - distinct, "http_statuses": dict(Counter(twilio.responses[answered_before:])),
            "paced_per_s": paced, "ratio_to_mps": paced / mps, "busiest_1s_window": busiest_window(times),
            "wall_per_s": m / (done - started) if done else None, "cpu_ms_each": 1000 * cpu / m if done else None}


async def run(args) -> dict:
    figures: dict = {"db": args.db}
    async with fresh_database(args.db) as db_url, FakeTwilioAPI(SID, TOKEN, whatsapp_from=FROM) as twilio:
        accepted, events = watch(twilio)
        service, url = await start_service(db_url, twilio, UNLIMITED)
        await service.start()
        try:
            figures["webhooks"] = await accept_webhooks(service, twilio, url, args.residents, args.per_resident,
                                                        args.in_flight)
            figures["flow"] = await full_flow(service, twilio, url, events, args.residents)
        finally:
            await service.stop()
        figures["outbound"] = await outbound(db_url, twilio, accepted, args.messages, args.mps)
    figures["peak_rss_mb"] = peak_rss_mb()
    return figures


def report(f: dict) -> None:
    w, fl, o = f["webhooks"], f["flow"], f["outbound"]
    nan = float("nan")
    rows = [
        ("database", f["db"]),
        (f"(a) webhooks accepted/s ({w['webhooks']}, {w['in_flight']} in flight)", f"{w['accepted_per_s']:.0f}"),
        ("    HTTP p50 / p99 ms; process CPU ms each",
         f"{w['p50_ms']:.0f} / {w['p99_ms']:.0f}; {w['cpu_ms_each']:.1f}"),
        ("    HTTP statuses; intake rows", f"{w['http_statuses']}; {w['intake_rows']}"),
        ("    backlog then processed/s; CPU ms each", f"{w['backlog_processed_per_s']:.0f}; "
                                                      f"{w['backlog_cpu_ms_each']:.1f}"),
        (f"(b) turns/s ({fl['residents']} residents, {fl['turns']} turns)", f"{fl['turns_per_s']:.0f}"),
        ("    requests stored/s", f"{fl['requests_per_s']:.1f}"),
        ("    turn p50 / p99 ms; process CPU ms each", f"{fl['p50_ms']:.0f} / {fl['p99_ms']:.0f}; "
                                                       f"{fl['cpu_ms_per_turn']:.1f}"),
        ("    stored, distinct tickets, all ok", f"{fl['requests_stored']}, {fl['distinct_tickets_answered']}, "
                                                 f"{fl['all_stored_and_distinct']}"),
        (f"(2) outbound msg/s, n/(span+1s) (M={o['messages']})", f"{o['paced_per_s']:.1f}"),
        (f"    ratio to MPS {o['mps']}", f"{o['ratio_to_mps']:.3f}"),
        ("    busiest 1 s window at the fake", str(o["busiest_1s_window"])),
        ("    lost / duplicated / HTTP statuses", f"{o['lost']} / {o['duplicated']} / {o['http_statuses']}"),
        ("    start → all marked sent, msg/s; CPU ms each",
         f"{o['wall_per_s'] or nan:.1f}; {o['cpu_ms_each'] or nan:.2f}"),
        ("peak RSS MB", f"{f['peak_rss_mb']:.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.whatsapp", description=__doc__.split("\n\n")[0])
    parser.add_argument("--residents", type=int, default=100)
    parser.add_argument("--per-resident", type=int, default=5, help="webhooks per resident in (a)")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--mps", type=int, default=80)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of the whole run to FILE")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kairyl").setLevel(logging.ERROR)  # "the Telegram channel is off" is expected
    profile = cProfile.Profile() if args.profile else None
    figures = asyncio.run(run(args)) if profile is None else profile.runcall(asyncio.run, run(args))
    if profile is not None:
        profile.dump_stats(args.profile)
    report(figures)
    print("written to", write_results("whatsapp", figures))


if __name__ == "__main__":
    main()
