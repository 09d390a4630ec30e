"""Fixtures of a whole service started for one test: on the fake Telegram Bot API, or on the fake
Twilio with WhatsApp choices as numbered lines."""

import pytest

from main import build_service
from tests.test_telegram_e2e import settings_for
from tests.test_whatsapp_e2e import start_service, twilio  # noqa: F401 - a fixture


@pytest.fixture
async def telegram_service(db_url, fake_api):
    running = await build_service(settings_for(db_url, fake_api.base_url))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def whatsapp_service(db_url, twilio, unused_tcp_port):  # noqa: F811
    """Choices as numbered lines (the fallback of native list pickers; tests/test_whatsapp_native.py has those)."""
    running = await start_service(db_url, twilio, unused_tcp_port, whatsapp_native_choices=False)
    running.port = unused_tcp_port
    yield running
    await running.stop()
