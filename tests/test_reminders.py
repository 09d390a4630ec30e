"""The deadline watch with a controllable clock: reminders, escalations near and past the deadline,
each once per deadline, and only inside the request's municipality."""

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from handlers.reminders.escalation import EscalationReason, do_escalate_to_head
from handlers.reminders.service import Reminders
from handlers.services import setup
from handlers.services.requests import Draft, do_submit_request
from storage.db import Database
from storage.enums import Channel, Language, RequestEventKind, RequestStatus, Role
from storage.models import Category, Department, OutboxMessage, Person, Request, RequestEvent
from tests.core_config import core_config

# Friday 6 November 2026, 15:00 in Bishkek; with the demo holidays the answer is due on Friday 20 November,
# so the request is overdue from 00:00 on 21 November in Bishkek (18:00 UTC on the 20th).
SUBMITTED = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)
DUE_AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
CONFIG = core_config(remind_before=timedelta(hours=48), escalate_before=timedelta(hours=24))
STAFF_CHAT = "telegram:1:-100200"
HEAD_KY, HEAD_RU, HEAD_ELSEWHERE, CLERK = "telegram:1:501", "telegram:1:502", "telegram:1:503", "telegram:1:504"


@dataclass
class World:
    """The demo municipality with two heads, a water department with a staff chat, a clerk, and a clock."""

    db: Database
    now: datetime = SUBMITTED
    ids: dict[str, int] = field(default_factory=dict)

    def clock(self) -> datetime:
        return self.now

    def reminders(self, db: Database | None = None) -> Reminders:
        return Reminders(db or self.db, CONFIG, clock=self.clock)

    async def submit(self, description: str = "Нет воды на улице Ленина", *, category: str = "water",
                     municipality: str = "ALM") -> Request:
        async with self.db.transaction() as session:
            town = await setup.municipality_by_code(session, municipality)
            resident = Person(municipality_id=town.id, language=Language.RU, consent_at=self.now,
                              display_name="Житель", created_at=self.now)
            session.add(resident)
            await session.flush()
            category_id = (await session.scalars(sa.select(Category.id).where(
                Category.municipality_id == town.id, Category.code == category))).one()
            return await do_submit_request(session, person=resident, channel=Channel.TELEGRAM,
                                           draft=Draft(category_id=category_id, description=description),
                                           language=Language.RU, now=self.now, config=CONFIG)

    async def outbox(self, address: str) -> list[str]:
        async with self.db.reader() as session:
            texts = (await session.scalars(sa.select(OutboxMessage.payload["text"].as_string())
                                           .where(OutboxMessage.address == address).order_by(OutboxMessage.id))).all()
        return [text.replace("\u202f", " ").replace("\xa0", " ") for text in texts]  # Babel's no-break spaces

    async def events(self, request_id: int, kind: RequestEventKind) -> list[dict]:
        async with self.db.reader() as session:
            return list((await session.scalars(sa.select(RequestEvent.detail).where(
                RequestEvent.request_id == request_id, RequestEvent.kind == kind))).all())

    async def update(self, request_id: int, **values) -> None:
        async with self.db.transaction() as session:
            await session.execute(sa.update(Request).where(Request.id == request_id).values(**values))


async def build_world(db: Database) -> World:
    world = World(db)
    async with db.transaction() as session:
        town = await setup.municipality_by_code(session, "ALM")
        for address, language in ((HEAD_KY, Language.KY), (HEAD_RU, Language.RU)):
            head = await setup.do_find_or_add_person(session, address=address, name="Башчы", language=language)
            await setup.do_grant_role(session, head, town, Role.HEAD)
        head_without_messenger = await setup.do_find_or_add_person(session, phone="+996555000111", name="Без связи")
        await setup.do_grant_role(session, head_without_messenger, town, Role.HEAD)
        water = (await session.scalars(sa.select(Department).where(
            Department.municipality_id == town.id, Department.code == "water"))).one()
        water.staff_chat = STAFF_CHAT
        clerk = await setup.do_find_or_add_person(session, address=CLERK, name="Айгүл", language=Language.RU)
        await setup.do_grant_role(session, clerk, town, Role.DEPARTMENT_STAFF, department=water)
        elsewhere = await setup.do_create_municipality(session, "TKM", "Токмок", "Токмок")
        await setup.do_add_category(session, elsewhere, "water", "Суу", "Вода", None, 0)
        other_head = await setup.do_find_or_add_person(session, address=HEAD_ELSEWHERE, name="Мэр", language=Language.RU)
        await setup.do_grant_role(session, other_head, elsewhere, Role.HEAD)
        world.ids.update(clerk=clerk.id, water=water.id)
    return world


@pytest.fixture
async def world(db) -> World:
    return await build_world(db)


async def test_nothing_happens_while_the_deadline_is_far(world):
    request = await world.submit()
    assert request.due_at == DUE_AT
    world.now = DUE_AT - CONFIG.remind_before - timedelta(minutes=1)
    assert sum((await world.reminders().watch_deadlines()).values()) == 0
    assert await world.outbox(STAFF_CHAT) == [] and await world.outbox(HEAD_RU) == []


async def test_nobody_took_it_so_the_staff_chat_is_reminded_once_in_its_language(world):
    request = await world.submit()
    world.now = DUE_AT - CONFIG.remind_before
    handled = await world.reminders().watch_deadlines()
    assert handled == {"do_remind_before_deadline": 1, "do_escalate_near_deadline": 0, "do_escalate_overdue": 0}
    [text] = await world.outbox(STAFF_CHAT)
    # The staff chat's language is Kyrgyz (the default); the date as handlers/dates.py writes it.
    assert text.startswith(f"⏰ Эскертүү: {request.ticket} кайрылуусу (💧 Ичүүчү суу), жооп берүү мөөнөтү: "
                           "2026-жылдын 20-ноябры\n")
    assert "Аны азырынча эч ким ишке алган жок." in text and "«Нет воды на улице Ленина»" in text
    world.now += timedelta(hours=1)
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(STAFF_CHAT)) == 1
    assert await world.events(request.id, RequestEventKind.REMINDED) == [{"to": "staff_chat"}]


async def test_the_assignee_is_reminded_in_their_language_and_the_chat_is_not(world):
    request = await world.submit()
    await world.update(request.id, assignee_person_id=world.ids["clerk"], status=RequestStatus.IN_REVIEW)
    world.now = DUE_AT - timedelta(hours=30)
    await world.reminders().watch_deadlines()
    [text] = await world.outbox(CLERK)
    assert text.startswith(f"⏰ Напоминание: обращение {request.ticket} (💧 Питьевая вода), срок ответа: "
                           "20 ноября 2026 г.\n«Нет воды на улице Ленина»")
    assert "Айгүл" not in text  # the assignee is not told who took it
    assert await world.outbox(STAFF_CHAT) == []
    assert await world.events(request.id, RequestEventKind.REMINDED) == [{"to": "assignee"}]


async def test_an_assignee_who_blocked_the_bot_is_covered_by_the_staff_chat(world):
    request = await world.submit()
    await world.update(request.id, assignee_person_id=world.ids["clerk"])
    async with world.db.transaction() as session:
        await session.execute(sa.text("UPDATE channel_identities SET blocked_at = :now WHERE address = :address"),
                              {"now": world.now.replace(tzinfo=None), "address": CLERK})
    world.now = DUE_AT - timedelta(hours=47)
    await world.reminders().watch_deadlines()
    [text] = await world.outbox(STAFF_CHAT)
    assert "Аткаруучу: Айгүл." in text
    assert await world.outbox(CLERK) == []


async def test_the_heads_hear_when_the_deadline_is_near_and_again_when_it_passed(world):
    request = await world.submit()
    reminders = world.reminders()
    world.now = DUE_AT - CONFIG.escalate_before
    await reminders.watch_deadlines()
    [near_ky] = await world.outbox(HEAD_KY)
    [near_ru] = await world.outbox(HEAD_RU)
    assert near_ky.startswith(f"⚠️ Мөөнөт жакындады: {request.ticket} кайрылуусуна (💧 Ичүүчү суу, "
                              "«Ичүүчү суу» муниципалдык ишканасы) жооп берүү мөөнөтү — 2026-жылдын 20-ноябры")
    assert near_ru.startswith(f"⚠️ Срок на исходе: ответить на обращение {request.ticket} (💧 Питьевая вода, "
                              "МП «Питьевая вода») нужно не позднее 20 ноября 2026 г.")
    assert "Его ещё никто не взял в работу." in near_ru
    world.now = DUE_AT - timedelta(seconds=1)
    await reminders.watch_deadlines()
    assert len(await world.outbox(HEAD_RU)) == 1
    world.now = DUE_AT
    await reminders.watch_deadlines()
    world.now = DUE_AT + timedelta(days=3)
    await reminders.watch_deadlines()
    texts = await world.outbox(HEAD_RU)
    assert len(texts) == 2 and texts[1].startswith(f"🚨 Просрочено: ответить на обращение {request.ticket}")
    assert len(await world.outbox(HEAD_KY)) == 2 and (await world.outbox(HEAD_KY))[1].startswith("🚨 Мөөнөтү өттү")
    assert await world.outbox(HEAD_ELSEWHERE) == []  # another municipality's head hears nothing
    assert await world.events(request.id, RequestEventKind.ESCALATED) == [
        {"reason": "deadline_near", "heads": 2}, {"reason": "overdue", "heads": 2}]


async def test_after_downtime_past_the_deadline_only_the_overdue_notice_is_sent(world):
    """The service was down from submission until after the deadline: no stale 'deadline is near'."""
    request = await world.submit()
    world.now = DUE_AT + timedelta(hours=5)
    handled = await world.reminders().watch_deadlines()
    assert handled == {"do_remind_before_deadline": 0, "do_escalate_near_deadline": 0, "do_escalate_overdue": 1}
    [text] = await world.outbox(HEAD_RU)
    assert text.startswith("🚨 Просрочено") and request.ticket in text
    assert await world.outbox(STAFF_CHAT) == []


@pytest.mark.parametrize("change", [
    {"answered_at": SUBMITTED + timedelta(days=2)},
    {"status": RequestStatus.RESOLVED},
    {"status": RequestStatus.REJECTED},
])
async def test_answered_or_closed_requests_are_not_chased(world, change):
    request = await world.submit()
    await world.update(request.id, **change)
    world.now = DUE_AT + timedelta(days=1)
    assert sum((await world.reminders().watch_deadlines()).values()) == 0
    assert await world.outbox(HEAD_RU) == [] and await world.outbox(STAFF_CHAT) == []


async def test_an_extension_clearing_the_marks_lets_the_watch_start_again(world):
    """The staff desk's extension moves the deadline and clears the marks; the new deadline is watched."""
    request = await world.submit()
    world.now = DUE_AT + timedelta(hours=1)
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(HEAD_RU)) == 1
    new_due = DUE_AT + timedelta(days=7)
    await world.update(request.id, due_date=new_due.date(), due_at=new_due, extensions=1, reminded_at=None,
                       escalated_at=None, overdue_escalated_at=None)
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(HEAD_RU)) == 1  # not overdue any more
    world.now = new_due - timedelta(hours=47)
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(STAFF_CHAT)) == 1
    world.now = new_due
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(HEAD_RU)) == 2  # overdue again, relative to the new deadline


async def test_a_staff_chat_with_no_identity_yet_gets_one_and_a_blocked_one_is_skipped(world):
    first = await world.submit()
    world.now = DUE_AT - timedelta(hours=40)
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(STAFF_CHAT)) == 1
    async with world.db.transaction() as session:
        await session.execute(sa.text("UPDATE channel_identities SET blocked_at = :now WHERE address = :address"),
                              {"now": world.now.replace(tzinfo=None), "address": STAFF_CHAT})
    world.now = SUBMITTED + timedelta(days=1)
    second = await world.submit("Труба прорвало")
    world.now = second.due_at - timedelta(hours=40)
    await world.reminders().watch_deadlines()
    assert len(await world.outbox(STAFF_CHAT)) == 1
    assert await world.events(second.id, RequestEventKind.REMINDED) == [{"to": "nobody"}]
    assert first.id != second.id


async def test_two_watchers_at_once_notify_once(world, db_url):
    """Two processes sweeping at the same moment (a lease being taken over): each notice goes out once."""
    requests = [await world.submit(f"Заявка {n}") for n in range(5)]
    second = Database(db_url)
    try:
        world.now = DUE_AT - timedelta(hours=20)
        results = await asyncio.gather(world.reminders().watch_deadlines(), world.reminders(second).watch_deadlines())
        assert sum(r["do_remind_before_deadline"] for r in results) == 5
        assert sum(r["do_escalate_near_deadline"] for r in results) == 5
        assert len(await world.outbox(STAFF_CHAT)) == 5
        assert len(await world.outbox(HEAD_RU)) == 5
    finally:
        await second.dispose()
    assert len({r.ticket for r in requests}) == 5


async def test_a_resident_saying_not_solved_reaches_the_heads(world):
    request = await world.submit()
    async with world.db.transaction() as session:
        request = await session.get(Request, request.id)
        told = await do_escalate_to_head(session, request, EscalationReason.NOT_SOLVED, world.now)
    assert told == 2
    [text] = await world.outbox(HEAD_RU)
    assert text.startswith(f"🔁 Житель сообщает, что проблема по обращению {request.ticket}")
    [text] = await world.outbox(HEAD_KY)
    assert text.startswith(f"🔁 Тургун {request.ticket} кайрылуусу")
    assert await world.events(request.id, RequestEventKind.ESCALATED) == [{"reason": "not_solved", "heads": 2}]
