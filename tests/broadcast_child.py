"""A delivery process for the crash test: ticks the broadcasts and runs the delivery worker
against a (fake) Bot API until it is killed.

    python -m tests.broadcast_child DB_URL API_URL TOKEN [LEASE_SECONDS [PER_CHAT_INTERVAL]]

LEASE_SECONDS is the time to live of the process's heartbeat (its claims are taken over once it lapses).
Several may run at once, as instances of a deployment: all send on the bot's lane, its slots shared.
"""

import asyncio
import sys
from datetime import timedelta

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.delivery.worker import DeliveryWorker
from bot.telegram.sender import TelegramSender
from handlers.broadcasts.runner import BroadcastRunner
from storage.db import Database
from storage.enums import Channel
from tests.core_config import core_config


async def main(db_url: str, api_url: str, token: str, lease: float, per_chat_interval: float) -> None:
    db = Database(db_url)
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    sender = TelegramSender({bot.id: bot}, per_bot_per_second=30, per_chat_interval=per_chat_interval)
    worker = DeliveryWorker(db, {Channel.TELEGRAM: sender}, lease=timedelta(seconds=lease), shared=True)
    runner = BroadcastRunner(db, core_config(quiet_hours=None), on_outbox=worker.wake)
    delivery = asyncio.create_task(worker.run())
    print("ready", flush=True)
    while not delivery.done():
        await runner.tick()
        await asyncio.sleep(0.5)
    await delivery


if __name__ == "__main__":
    lease = float(sys.argv[4]) if len(sys.argv) > 4 else 3.0
    per_chat_interval = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], lease, per_chat_interval))
