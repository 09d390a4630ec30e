"""Long polling that records each batch of updates before confirming it.

aiogram's own polling confirms updates (by the next getUpdates offset) before their
handlers finish, so a crash would lose them; here a batch is stored in the intake
table first, and only then is the next offset asked for.

With several instances, a bot is polled by the one holding its lease (``poll:telegram:<id>``,
held with the instance's heartbeat); the others stand by and check every quarter of the
heartbeat's time to live, so a dead poller is replaced within seconds.
"""

import asyncio
import logging
import time

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import DeleteWebhook, GetUpdates

from bot.instance import HeldLease
from bot.intake import Arrival, IntakeQueue
from bot.telegram.parse import routing_key
from handlers.woken import woken_within
from storage.enums import Channel

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


def raw_updates(data: object) -> list[dict]:
    """The updates in a getUpdates answer as plain JSON, if it is one."""
    if isinstance(data, dict) and data.get("ok") and isinstance(data.get("result"), list):
        return [u for u in data["result"] if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
    return []


def arrivals(bot_id: int, updates: list) -> list[Arrival]:
    result = []
    for update in updates:
        payload = update.model_dump(mode="json", exclude_none=True, by_alias=True)
        result.append(Arrival(f"{bot_id}:{update.update_id}", routing_key(bot_id, payload), payload, update))
    return result


async def poll(bot: Bot, intake: IntakeQueue, *, timeout: int = 25, stop: asyncio.Event,
               lease: HeldLease | None = None) -> None:
    offset: int | None = None
    backoff = 1.0
    polling = False
    checked = 0.0
    while not stop.is_set():
        if lease is not None and not (polling and _still_ours(lease, checked)):
            checked = time.monotonic()
            if not await _holds(lease):
                if polling:
                    log.warning("telegram bot %s: another instance polls it now; standing by", bot.id)
                polling = False
                await woken_within(stop, lease.instance.ttl.total_seconds() / 4)
                continue
        if not polling:
            await bot(DeleteWebhook(drop_pending_updates=False))
            log.info("telegram bot %s: long polling", bot.id)
            polling, offset = True, None
        try:
            updates = await bot(GetUpdates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES),
                                request_timeout=timeout + 10)
            backoff = 1.0
        except TelegramUnauthorizedError:
            log.error("telegram bot %s: the token was refused; polling stops", bot.id)
            return
        except ClientDecodeError as error:
            # An update aiogram cannot read (a newer Bot API field, say): keep it raw, move on.
            raw = raw_updates(error.data)
            if not raw:
                log.error("telegram bot %s: unreadable getUpdates answer: %s", bot.id, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            log.error("telegram bot %s: %s updates aiogram cannot read are kept raw", bot.id, len(raw))
            await intake.record(Channel.TELEGRAM, [
                Arrival(f"{bot.id}:{u['update_id']}", routing_key(bot.id, u), u) for u in raw])
            offset = raw[-1]["update_id"] + 1
            continue
        except (TelegramNetworkError, TelegramServerError, TelegramConflictError) as error:
            log.warning("telegram bot %s: getUpdates failed (%s); retrying in %.0f s", bot.id, error, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        except Exception:  # noqa: BLE001 - polling must outlive any one bad answer
            log.exception("telegram bot %s: getUpdates failed; retrying in %.0f s", bot.id, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        if updates:
            await intake.record(Channel.TELEGRAM, arrivals(bot.id, updates))
            offset = updates[-1].update_id + 1


def _still_ours(lease: HeldLease, checked: float) -> bool:
    """A lease found ours less than a quarter of the heartbeat's time to live ago, with the heartbeat
    alive since, is ours yet: the heartbeat renews it, and no one takes it before it lapses. Checked
    in the database only then, not before every getUpdates (a transaction per poll, so per update
    when they trickle). After a lapse another instance may poll for that quarter too: Telegram then
    answers one of them 409 (retried), and an update recorded by both is stored once."""
    return lease.instance.holds() and time.monotonic() - checked < lease.instance.ttl.total_seconds() / 4


async def _holds(lease: HeldLease) -> bool:
    try:
        return await lease.hold()
    except Exception:  # noqa: BLE001 - the database is away: poll nothing until it is back
        log.exception("could not check the polling lease %s", lease.name)
        return False
