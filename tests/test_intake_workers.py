"""INTAKE_WORKERS: the real service with two intake worker processes (`main.py intake-worker`),
against the fake Bot API, on SQLite and PostgreSQL. Each chat belongs to one worker; a worker
killed in the middle loses nothing: the service restarts it and it picks up what waits."""

import asyncio
import os
import signal

import pytest
import sqlalchemy as sa

from bot.telegram.parse import address_of
from bot.workers import owner_of
from main import build_service
from storage.enums import IntakeStatus
from storage.models import IntakeItem, Request, RequestAttachment
from tests.conftest import TELEGRAM_TOKEN as TOKEN
from tests.telegram_user import TelegramUser
from tests.test_telegram_e2e import settings_for
from tests.waiting import eventually

WORKERS = 2
BOT_ID = int(TOKEN.split(":")[0])
STARTUP = 90.0  # a restarted worker imports aiogram and the core again


def chats_of_each_worker(per_worker: int) -> dict[int, list[int]]:
    chats: dict[int, list[int]] = {index: [] for index in range(WORKERS)}
    chat_id = 7000
    while any(len(ids) < per_worker for ids in chats.values()):
        owner = owner_of(address_of(BOT_ID, chat_id), WORKERS)
        if len(chats[owner]) < per_worker:
            chats[owner].append(chat_id)
        chat_id += 1
    return chats


@pytest.fixture
async def service(db_url, fake_api):
    running = await build_service(settings_for(db_url, fake_api.base_url, intake_workers=WORKERS))
    await running.start()
    yield running
    await running.stop()


async def submit(user: TelegramUser, *, album: int = 0) -> str:
    """A first request; its text is an album's caption (``album`` photos: one step) or a message."""
    await user.say("/start")
    await user.press("Русский")
    await user.press("Согласен")
    await user.press("Кара-Джигач")
    await user.press(user.buttons()[0]["text"])  # then straight to the categories
    await user.press("Питьевая вода")
    if album:
        before = len(user.bot.sent_to(user.chat_id))
        check = await user.album(album, caption=f"Нет воды (чат {user.chat_id})")
        assert f"{album} фото" in check.text and len(user.bot.sent_to(user.chat_id)) == before + 1
    else:
        await user.say(f"Нет воды (чат {user.chat_id})")
    sent = await user.press("Отправить")
    if any(button["text"].startswith("📨") for button in user.buttons()):  # «the same problem?»: one's own
        sent = await user.press("📨")
    return sent.text


async def test_both_workers_handle_their_chats_at_once(service, fake_api):
    assert len(service.workers.pids()) == WORKERS and os.getpid() not in service.workers.pids()
    chats = chats_of_each_worker(3)
    users = [TelegramUser(fake_api.bot(TOKEN), chat_id) for ids in chats.values() for chat_id in ids]
    answers = await asyncio.gather(*(submit(user, album=3 if user.chat_id % 2 else 0) for user in users))
    assert all("ALM-2026-" in answer for answer in answers)
    async with service.db.reader() as session:
        tickets = (await session.scalars(sa.select(Request.ticket))).all()
        pending = await session.scalar(sa.select(sa.func.count()).where(IntakeItem.status != IntakeStatus.DONE))
        photos = await session.scalar(sa.select(sa.func.count()).select_from(RequestAttachment))
    assert len(tickets) == len(users) == len(set(tickets)) and pending == 0
    assert photos == 3 * sum(1 for user in users if user.chat_id % 2)  # each album whole, in its chat's worker
    for user, answer in zip(users, answers, strict=True):
        told = [m.text for m in fake_api.bot(TOKEN).sent_to(user.chat_id) if "зарегистрировано" in (m.text or "")]
        assert len(told) == 1 and "ALM-2026-" in told[0], answer  # (a «same problem?» offer names others' tickets)


async def test_a_killed_worker_is_restarted_and_loses_nothing(service, fake_api):
    chats = chats_of_each_worker(1)
    victim = TelegramUser(fake_api.bot(TOKEN), chats[0][0])
    other = TelegramUser(fake_api.bot(TOKEN), chats[1][0])
    await victim.say("/start")
    await other.say("/start")
    pid = service.workers.pids()[0]
    os.kill(pid, signal.SIGKILL)
    await eventually(lambda: pid not in service.workers.pids(), "the killed worker was not noticed")
    assert "Вы согласны?" in (await other.press("Русский")).text  # the other worker goes on meanwhile
    answer = await victim._answer_to(fake_api.bot(TOKEN).callback_update(
        victim.chat_id, victim.buttons()[1]["callback_data"], message_id=victim.last.message_id), timeout=STARTUP)
    assert "Вы согласны?" in answer.text
    assert len(service.workers.pids()) == WORKERS and pid not in service.workers.pids()
    sent = [m.text for m in fake_api.bot(TOKEN).sent_to(victim.chat_id)]
    assert sum("Вы согласны?" in text for text in sent) == 1  # once, not again after the restart
