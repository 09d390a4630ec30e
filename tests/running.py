"""A whole service started for one test on the fake Twilio, with WhatsApp choices as numbered lines
(on the fake Telegram Bot API: ``tests/test_telegram_e2e.py::service``); and the fake Bot API holding
a bot to Telegram's 30 messages a second (429 beyond), for the tests of several instances."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.test_whatsapp_e2e import start_service, twilio  # noqa: F401 - a fixture


@pytest.fixture
async def whatsapp_service(db_url, twilio, unused_tcp_port):  # noqa: F811
    """Choices as numbered lines (the fallback of native list pickers; tests/test_whatsapp_native.py has those)."""
    running = await start_service(db_url, twilio, unused_tcp_port, whatsapp_native_choices=False)
    running.port = unused_tcp_port
    yield running
    await running.stop()


@asynccontextmanager
async def bot_api_at_30_per_second(token: str) -> AsyncIterator[FakeTelegramAPI]:
    api = FakeTelegramAPI(rate_limit_per_second=30)
    await api.start()
    api.add_bot(token)
    try:
        yield api
    finally:
        await api.stop()
