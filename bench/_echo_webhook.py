"""The bare aiogram echo bot in webhook mode, in a process of its own (the yardstick of
bench/instances_throughput.py): each text message is answered with the same text and two buttons.

    python -m bench._echo_webhook PORT API_URL TOKEN SECRET

Serves POST /telegram/<bot id> (aiogram's SimpleRequestHandler checks the secret header) on
127.0.0.1:PORT; uvloop and the collector tuned as `serve` runs. Stops on SIGTERM.
"""

import asyncio
import signal
import sys

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes"),
                                                  InlineKeyboardButton(text="Нет", callback_data="no")]])


async def serve(port: int, api_url: str, token: str, secret: str) -> None:
    bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(api_url)))
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?", reply_markup=KEYBOARD)

    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=secret).register(app, path=f"/telegram/{bot.id}")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await runner.cleanup()
    await bot.session.close()


if __name__ == "__main__":
    from bench._common import die_with_parent
    from main import run

    die_with_parent()
    run(serve(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]))
