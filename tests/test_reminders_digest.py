"""The morning digest: what each head and each department's staff chat hears, once per local day."""

from datetime import UTC, date, datetime

import sqlalchemy as sa

from handlers.config import BISHKEK
from handlers.reminders.digest import SHOWN_TICKETS, Summary, Tickets, digest_due, digest_text
from storage.enums import Language, RequestStatus
from storage.models import JobRun, Request
from tests.test_reminders import CONFIG, HEAD_ELSEWHERE, HEAD_KY, HEAD_RU, STAFF_CHAT, World, build_world


def bishkek(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2026, given in Bishkek time (UTC+6)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=BISHKEK).astimezone(UTC)


async def submit_at(world: World, moment: datetime, description: str, **where) -> str:
    world.now = moment
    return (await world.submit(description, **where)).ticket


async def resolve(world: World, ticket: str) -> None:
    async with world.db.transaction() as session:
        await session.execute(sa.update(Request).where(Request.ticket == ticket).values(status=RequestStatus.RESOLVED))


async def digest(world: World, moment: datetime) -> int | None:
    world.now = moment
    return await world.reminders().send_morning_digest()


async def test_the_digest_tells_each_head_and_staff_chat_what_is_new_open_due_and_overdue(db):
    world = await build_world(db)
    overdue = await submit_at(world, bishkek(2, 10), "Нет воды неделю")          # due Mon 16 Nov
    due_today = await submit_at(world, bishkek(3, 10), "Колонка сломана")        # due Tue 17 Nov
    solved = await submit_at(world, bishkek(1, 10), "Течёт кран")
    await resolve(world, solved)
    assert await digest(world, bishkek(16, 8)) == 4                              # 2 heads, the chat, Tokmok's head
    new_water = await submit_at(world, bishkek(16, 10), "Мутная вода")
    await submit_at(world, bishkek(16, 11), "Яма на дороге", category="roads")   # no staff chat for roads
    await submit_at(world, bishkek(16, 12), "Нет воды в Токмоке", municipality="TKM")

    assert await digest(world, bishkek(17, 8)) == 4
    head_ru = (await world.outbox(HEAD_RU))[-1]
    assert head_ru.splitlines() == [
        "☀️ Утренняя сводка, 17 ноября 2026 г.: Аламудунский айыл окмоту",
        "Новых с прошлой сводки: 2",
        "Открыто: 4",
        f"Срок сегодня: 1 — {due_today}",
        f"Просрочено: 1 — {overdue}",
    ]
    head_ky = (await world.outbox(HEAD_KY))[-1]
    assert head_ky.startswith("☀️ Эртең мененки жыйынтык, 2026-жылдын 17-ноябры: Аламүдүн айыл өкмөтү\n")
    assert f"Мөөнөтү өткөн: 1 — {overdue}" in head_ky and "Акыркы жыйынтыктан бери жаңылары: 2" in head_ky
    chat = (await world.outbox(STAFF_CHAT))[-1]  # the water enterprise's chat, in Kyrgyz: its department only
    assert chat.splitlines() == [
        "☀️ Эртең мененки жыйынтык, 2026-жылдын 17-ноябры: «Ичүүчү суу» муниципалдык ишканасы",
        "Акыркы жыйынтыктан бери жаңылары: 1",
        "Ачык: 3",
        f"Мөөнөтү бүгүн: 1 — {due_today}",
        f"Мөөнөтү өткөн: 1 — {overdue}",
    ]
    assert new_water not in chat  # new requests are counted, not listed
    tokmok = (await world.outbox(HEAD_ELSEWHERE))[-1]
    assert "Новых с прошлой сводки: 1" in tokmok and "Открыто: 1" in tokmok and "ALM-" not in tokmok


async def test_the_same_day_is_not_sent_twice(db):
    world = await build_world(db)
    await submit_at(world, bishkek(2, 10), "Нет воды")
    assert await digest(world, bishkek(17, 8, 5)) == 4
    assert await digest(world, bishkek(17, 8, 6)) is None
    assert await digest(world, bishkek(17, 19)) is None
    assert len(await world.outbox(HEAD_RU)) == 1
    assert await digest(world, bishkek(18, 8)) == 4  # the next morning
    assert len(await world.outbox(HEAD_RU)) == 2
    async with db.reader() as session:
        assert (await session.scalars(sa.select(JobRun.run_key).order_by(JobRun.run_key))).all() == [
            "2026-11-17", "2026-11-18"]


async def test_a_digest_missed_by_more_than_half_a_day_is_skipped(db):
    world = await build_world(db)
    await submit_at(world, bishkek(2, 10), "Нет воды")
    assert await digest(world, bishkek(17, 20, 1)) is None  # 12 h 1 min after 08:00
    assert await digest(world, bishkek(18, 7, 59)) is None  # still the 17th's digest, now a day late
    assert await world.outbox(HEAD_RU) == []
    assert await digest(world, bishkek(18, 20)) == 4        # exactly 12 h late: still sent


def test_the_digest_moment_is_the_latest_one_in_bishkek():
    assert digest_due(bishkek(17, 8), CONFIG) == bishkek(17, 8)
    assert digest_due(bishkek(17, 7, 59), CONFIG) == bishkek(16, 8)
    assert digest_due(bishkek(17, 23, 59), CONFIG).date() == date(2026, 11, 17)
    # 01:00 on 18 November in Bishkek is still the 17th in UTC: the local date counts.
    assert digest_due(datetime(2026, 11, 17, 19, 0, tzinfo=UTC), CONFIG) == bishkek(17, 8)


def test_long_ticket_lists_are_cut_with_a_count_of_the_rest():
    tickets = [f"ALM-2026-{n:06d}" for n in range(1, SHOWN_TICKETS + 1)]
    summary = Summary(new=0, open=25, due_today=Tickets(0, []), overdue=Tickets(25, tickets))
    text = digest_text(summary, lambda language: "Аламүдүн", date(2026, 11, 17))(Language.RU)
    assert text.splitlines()[-1] == f"Просрочено: 25 — {', '.join(tickets)} … и ещё 5"
    assert "Срок сегодня: 0" in text


def test_nothing_open_reads_as_such():
    summary = Summary(new=0, open=0, due_today=Tickets(0, []), overdue=Tickets(0, []))
    text = digest_text(summary, lambda language: "Аламүдүн", date(2026, 11, 17))(Language.KY)
    assert text.splitlines()[1:] == ["Акыркы жыйынтыктан бери жаңылары: 0", "Ачык кайрылуулар жок."]
