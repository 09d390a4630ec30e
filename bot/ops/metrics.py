"""What the service counts for Prometheus (``/metrics``, bot/ops/routes.py), one registry per service.

Counted in this process as things happen:
- ``kairyl_updates_received_total{channel}``: updates recorded in the intake (a redelivery of one
  already recorded counts in ``kairyl_updates_duplicate_total`` instead);
- ``kairyl_updates_handled_total{channel,outcome}``: ``handled`` (a turn ran), ``unclaimed`` (no
  handler took it: a service message), ``failed`` (the turn raised; the intake retries it);
- ``kairyl_turn_seconds{channel}``: from the moment an update was recorded here (or, if another
  process recorded it, the moment its turn began) to the end of its turn: the reply is in the
  outbox. What a resident waits for, less the delivery;
- ``kairyl_sends_total{channel,bot,outcome}``: outbox messages the senders tried: ``sent``,
  ``rate_limited`` (HTTP 429), ``blocked`` (HTTP 403: the person blocked the bot), ``failed``.
Read from the database at each scrape (bot/ops/scrape.py): the outbox backlog, the leases and
the overdue requests.

Labels are channels, bot ids, municipality codes and lease names: never a person, an address or
a text.
"""

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.delivery.sender import Outgoing, RetryLater, Sender, Unreachable
from bot.delivery.worker import DeliveryWorker
from bot.intake import IntakeQueue, Processor, Queued
from storage.enums import Channel

TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
REMEMBERED_ARRIVALS = 100_000
"""Arrival times kept for updates not yet handled here; beyond that (another process handles them) the
oldest are forgotten and their turns are timed from their start."""


def bot_of(address: str) -> str:
    """The bot an address is served by: ``telegram:<bot id>:<chat>`` → the bot id; other channels: ''."""
    parts = address.split(":")
    return parts[1] if parts[0] == Channel.TELEGRAM and len(parts) == 3 else ""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.received = Counter("kairyl_updates_received", "Updates recorded in the intake.", ["channel"],
                                registry=registry)
        self.duplicates = Counter("kairyl_updates_duplicate", "Updates delivered again and ignored.", ["channel"],
                                  registry=registry)
        self.handled = Counter("kairyl_updates_handled", "Updates whose turn ended, by outcome.",
                               ["channel", "outcome"], registry=registry)
        self.turn_seconds = Histogram("kairyl_turn_seconds", "From an update's arrival to its turn's end "
                                      "(the reply is in the outbox).", ["channel"], buckets=TURN_BUCKETS,
                                      registry=registry)
        self.sends = Counter("kairyl_sends", "Outbox messages the senders tried, by outcome "
                             "(rate_limited: HTTP 429, blocked: HTTP 403).", ["channel", "bot", "outcome"],
                             registry=registry)
        self.backlog = Gauge("kairyl_outbox_backlog", "Outbox messages waiting or under way.", ["channel", "bot"],
                             registry=registry)
        self.backlog_age = Gauge("kairyl_outbox_oldest_seconds", "Age of the oldest message waiting or under way.",
                                 ["channel", "bot"], registry=registry)
        self.lease_holder = Gauge("kairyl_lease_holder", "1 for the holder of each unexpired lease.",
                                  ["lease", "holder"], registry=registry)
        self.overdue = Gauge("kairyl_requests_overdue", "Open requests past their legal deadline.",
                             ["municipality"], registry=registry)
        self.database_up = Gauge("kairyl_database_up", "1 if the last scrape could read the database.",
                                 registry=registry)
        self._arrivals: dict[int, float] = {}

    def watch(self, intake: IntakeQueue, worker: DeliveryWorker) -> None:
        """Counts what the intake records and handles and what the worker's senders send (call it once
        the channels are plugged in)."""
        intake.on_recorded.append(self.on_recorded)
        for channel, processor in list(intake.processors.items()):
            intake.processors[channel] = self.counted_processor(channel, processor)
        for channel, sender in list(worker.senders.items()):
            worker.senders[channel] = CountedSender(sender, self)

    # -- the intake ---------------------------------------------------------------------------
    def on_recorded(self, channel: Channel, arrived: int, stored_ids: list[int]) -> None:
        """The intake recorded ``stored_ids`` out of ``arrived`` updates (the rest were known already)."""
        now = time.perf_counter()
        self.received.labels(channel.value).inc(len(stored_ids))
        if arrived > len(stored_ids):
            self.duplicates.labels(channel.value).inc(arrived - len(stored_ids))
        if len(self._arrivals) > REMEMBERED_ARRIVALS:
            self._arrivals.clear()
        for item_id in stored_ids:
            self._arrivals[item_id] = now

    def counted_processor(self, channel: Channel, processor: Processor) -> Processor:
        handled, unclaimed, failed = (self.handled.labels(channel.value, outcome)
                                      for outcome in ("handled", "unclaimed", "failed"))
        turn_seconds = self.turn_seconds.labels(channel.value)

        async def process(item: Queued) -> bool:
            began = self._arrivals.pop(item.id, None) or time.perf_counter()
            try:
                took = await processor(item)
            except Exception:
                failed.inc()
                raise
            (handled if took else unclaimed).inc()
            turn_seconds.observe(time.perf_counter() - began)
            return took

        return process


class CountedSender:
    """A channel's sender, counting each message's outcome; everything else is the sender's own."""

    def __init__(self, sender: Sender, metrics: Metrics) -> None:
        self.sender, self.metrics = sender, metrics

    def __getattr__(self, name: str) -> Any:  # channel, per_chat_interval, lanes, bots, limiters …
        return getattr(self.sender, name)

    async def send(self, message: Outgoing) -> str | None:
        try:
            sent = await self.sender.send(message)
        except RetryLater:
            self._count(message, "rate_limited")
            raise
        except Unreachable:
            self._count(message, "blocked")
            raise
        except Exception:
            self._count(message, "failed")
            raise
        self._count(message, "sent")
        return sent

    def _count(self, message: Outgoing, outcome: str) -> None:
        self.metrics.sends.labels(str(message.channel), bot_of(message.address), outcome).inc()
