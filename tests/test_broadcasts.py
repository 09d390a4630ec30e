"""Announcements through the core with a controllable clock: who may send where, bad input,
quiet hours and emergencies, scheduled broadcasts that start once (also after a restart),
cancelling, answers and mutes, progress and the report."""

import asyncio
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.delivery.sender import RetryLater
from bot.delivery.worker import DeliveryWorker
from handlers.broadcasts.audience import sender_rights
from handlers.broadcasts.orders import AlreadyFinished, Order, do_order_broadcast, do_stop_broadcast
from handlers.broadcasts.runner import BroadcastRunner
from handlers.conversation import ConversationCore
from handlers.envelope import InputKind, encode_option
from handlers.errors import NotAllowed
from handlers.outbox_payload import encode_reply
from storage.enums import AuditOutcome, BroadcastKind, BroadcastStatus, Channel, OutboxStatus, Role
from storage.models import AuditEntry, Broadcast, BroadcastRecipient, ChannelIdentity, OutboxMessage, RoleGrant
from tests.broadcast_world import Clock, add_residents, demo_quarters, grant, person_of
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.waiting import within


class Collecting:
    channel = Channel.CONSOLE
    per_chat_interval = 0.0

    def __init__(self) -> None:
        self.sent: list[tuple[str, dict]] = []

    async def send(self, message):
        self.sent.append((message.address, encode_reply(message.reply)))
        return f"m{message.id}"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def core(db, clock):
    return ConversationCore(db, core_config(), clock=clock)


@pytest.fixture
def runner(db, clock):
    return BroadcastRunner(db, core_config(), clock=clock, progress_every=0)


async def kvartalkom(core, db, address="console:head", quarter="1") -> Chat:
    chat = Chat(core, db, address)
    await onboard(chat, quarter=quarter)
    person = await person_of(db, address)
    await grant(db, person.id, Role.KVARTALKOM, person.quarter_id)
    await chat.send("/menu")
    return chat


async def compose(chat: Chat, text: str, *, kind: str = "Объявление") -> None:
    await chat.send("/broadcast")
    await chat.press(kind)
    await chat.press("Один текст")
    await chat.send(text)


async def outbox_for(db, prefix: str) -> list[OutboxMessage]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.address.startswith(prefix))
                                           .order_by(OutboxMessage.id))).all())


async def broadcasts(db) -> list[Broadcast]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(Broadcast).order_by(Broadcast.id))).all())


async def test_a_kvartalkom_head_reaches_their_quarter_and_sees_progress_and_a_report(db, core, runner, clock):
    quarters = await demo_quarters(db)
    chat = await kvartalkom(core, db)
    await add_residents(db, [quarters[0]], 5, address="console:r{}")
    await add_residents(db, [quarters[1]], 3, address="console:other{}")
    await compose(chat, "Завтра в 10:00 субботник на улице Ленина.")
    assert "Так его увидят жители" in chat.text and "Получателей: 6 " in chat.text  # 5 and the head himself
    await chat.press("Отправить сейчас")
    assert "Объявление №1 отправляется" in chat.text
    assert await runner.tick() == (1, 0)
    notices = await outbox_for(db, "console:r")
    assert len(notices) == 5 and not await outbox_for(db, "console:other")
    assert notices[0].priority == 9 and "субботник" in notices[0].payload["text"]
    assert [o["label"] for o in notices[0].payload["options"]] == ["👁 Прочитано", "🔕 Отключить объявления"]

    sender = Collecting()
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock)
    while await worker.deliver_due():
        pass
    assert (await runner.tick())[1] == 1
    while await worker.deliver_due():  # the last progress edit, then the report after it (one chat, in order)
        pass
    progress = [p for a, p in sender.sent if a == "console:head" and p["text"].startswith("📤")]
    assert progress[0]["text"].endswith("отправлено 0 из 6…")
    assert progress[-1]["edit_of"] is not None and "отправлено 6 из 6" in progress[-1]["text"]
    report = sender.sent[-1][1]["text"]
    assert "Объявление №1 отправлено. Отчёт:" in report and "Доставлено: 6" in report
    assert (await broadcasts(db))[0].status == BroadcastStatus.DONE


async def test_a_head_sees_only_their_quarters_and_cannot_order_others_or_emergencies(db, core):
    quarters = await demo_quarters(db)
    chat = await kvartalkom(core, db)
    head = await person_of(db, "console:head")
    await grant(db, head.id, Role.KVARTALKOM, quarters[2])
    await chat.send("/broadcast")
    assert chat.labels() == ["Все мои кварталы", "Квартал №1", "Квартал №3"]
    await chat.press("Квартал №3")
    assert "Срочное" not in " ".join(chat.labels())  # emergencies are for municipal staff

    for quarter_ids, kind in (([quarters[5]], BroadcastKind.ORDINARY), ([quarters[0]], BroadcastKind.EMERGENCY)):
        with pytest.raises(NotAllowed):
            async with db.transaction() as session:
                identity = (await session.scalars(sa.select(ChannelIdentity).where(
                    ChannelIdentity.address == "console:head"))).one()
                await do_order_broadcast(session, rights=await sender_rights(session, head), author=head,
                                         identity=identity, now=identity.created_at,
                                         order=Order(kind, quarter_ids, None, "x", None, None))
    assert await broadcasts(db) == []


async def test_a_head_whose_quarter_was_taken_away_meanwhile_is_refused_at_sending_and_it_is_logged(db, core):
    quarters = await demo_quarters(db)
    chat = await kvartalkom(core, db)
    head = await person_of(db, "console:head")
    await grant(db, head.id, Role.KVARTALKOM, quarters[2])
    await add_residents(db, [quarters[2]], 2, address="console:r{}")
    await chat.send("/broadcast")
    await chat.press("Квартал №3")
    await chat.press("Объявление")
    await chat.press("Один текст")
    await chat.send("Вода будет отключена")
    async with db.transaction() as session:  # the administrator moves quarter 3 to another head
        await session.execute(sa.delete(RoleGrant).where(RoleGrant.quarter_id == quarters[2]))
    await chat.press("Отправить сейчас")
    assert "Вы не можете отправлять объявления в эти кварталы" in chat.text
    async with db.reader() as session:
        entry = (await session.scalars(sa.select(AuditEntry))).one()
    assert entry.outcome == AuditOutcome.REFUSED and entry.action == "broadcast.order"
    assert entry.detail["quarters"] == [quarters[2]] and entry.actor_person_id == head.id
    assert await broadcasts(db) == [] and await outbox_for(db, "console:r") == []


async def test_the_main_menu_offers_announcements_to_those_who_may_send_them(db, core):
    staff_entries = ["📢 Отправить объявление", "🗂 Мои объявления"]
    resident = Chat(core, db, "console:resident")
    await onboard(resident)
    assert not set(staff_entries) & set(resident.labels())
    head = await kvartalkom(core, db)  # granted the role after onboarding, then /menu
    assert set(staff_entries) <= set(head.labels())
    await resident.send("/menu")  # the head's grant is not the resident's
    assert not set(staff_entries) & set(resident.labels())


async def test_a_resident_trying_the_staff_command_is_refused_politely_and_it_is_logged(db, core):
    chat = Chat(core, db, "console:resident")
    await onboard(chat)
    await chat.send("/broadcast")
    assert "Отправлять объявления могут только председатели" in chat.text and "Главное меню" in chat.text
    async with db.reader() as session:
        entry = (await session.scalars(sa.select(AuditEntry))).one()
    assert entry.outcome == AuditOutcome.REFUSED and entry.action == "broadcast.open" and entry.via == "console:resident"
    assert await broadcasts(db) == []


@pytest.mark.parametrize("text, answer", [
    ("👍👍", "Объявление пустое"),
    ("слово " * 834, "В объявлении 5003 знаков, в одно сообщение помещается не больше 3500"),
])
async def test_an_empty_or_too_long_notice_is_refused_and_asked_again(db, core, text, answer):
    chat = await kvartalkom(core, db)
    await compose(chat, text.strip() if text.startswith("👍") else text)
    assert answer in chat.text and "Напишите объявление" in chat.text
    assert await broadcasts(db) == []


async def test_a_photo_caption_over_the_limit_is_refused(db, core):
    chat = await kvartalkom(core, db)
    await compose(chat, "Фото ниже")
    await chat.press("Написать заново")
    await chat.press("Один текст")
    await chat.photo("а" * 950)
    assert "С фото текст может быть не длиннее 900 знаков, а в нём 950" in chat.text


async def test_an_empty_audience_cannot_be_sent(db, core):
    quarters = await demo_quarters(db)
    chat = await kvartalkom(core, db, quarter="2")
    async with db.transaction() as session:  # the head moved away: nobody lives in the quarter now
        head = await session.get(type(await person_of(db, "console:head")), (await person_of(db, "console:head")).id)
        head.quarter_id = quarters[14]
    await compose(chat, "Собрание в пятницу")
    assert "Это объявление некому получить" in chat.text
    assert "Отправить сейчас" not in " ".join(chat.labels())


async def test_quiet_hours_hold_ordinary_notices_but_not_emergencies(db, core, runner, clock):
    quarters = await demo_quarters(db)
    await add_residents(db, quarters[:2], 4, address="console:r{}")
    chat = await kvartalkom(core, db)
    staff = Chat(core, db, "console:staff")
    await onboard(staff)
    await grant(db, (await person_of(db, "console:staff")).id, Role.HEAD)
    clock.now = clock.now.replace(hour=17, minute=30)  # 23:30 in Bishkek
    await compose(chat, "Обычное объявление")
    assert "Сейчас тихие часы: объявление будет отправлено 21 ноября в 8:00" in chat.text
    await chat.press("Отправить сейчас")
    await staff.send("/broadcast")
    await staff.press("Весь муниципалитет")
    await staff.press("Срочное сообщение")
    await staff.press("Один текст")
    await staff.send("Сель! Не подходите к реке.")
    await staff.press("Отправить сейчас")
    await runner.tick()
    ordinary, emergency = await broadcasts(db)
    assert ordinary.status == BroadcastStatus.SCHEDULED and emergency.status == BroadcastStatus.SENDING
    assert ordinary.scheduled_at == clock.now.replace(day=21, hour=2, minute=0)  # 08:00 in Bishkek
    notices = await outbox_for(db, "console:r")
    assert len(notices) == 4 and {n.priority for n in notices} == {1} and "СРОЧНОЕ" in notices[0].payload["text"]
    clock.now = ordinary.scheduled_at
    assert (await runner.tick())[0] == 1
    assert len(await outbox_for(db, "console:r")) == 4 + 2  # the head's quarter only


async def test_emergencies_go_before_a_running_broadcast(db, clock):
    quarters = await demo_quarters(db)
    await add_residents(db, quarters, 30, address="console:r{}")
    head = await person_of(db, "console:r0")
    await grant(db, head.id, Role.HEAD)
    async with db.transaction() as session:
        identity = (await session.scalars(sa.select(ChannelIdentity).where(ChannelIdentity.address == "console:r0"))).one()
        for kind in (BroadcastKind.ORDINARY, BroadcastKind.EMERGENCY):
            await do_order_broadcast(session, rights=await sender_rights(session, head), author=head,
                                     identity=identity, now=clock.now, order=Order(kind, None, None, kind.value,
                                                                                   None, None))
    await BroadcastRunner(db, core_config(), clock=clock).tick()
    sender = Collecting()
    worker = DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock, batch=20)
    await worker.deliver_due()
    assert [p["text"].split("\n\n")[-1] for _a, p in sender.sent[:20]] == ["emergency"] * 20


async def test_a_scheduled_broadcast_starts_once_after_a_restart_and_under_concurrent_ticks(db, core, clock):
    quarters = await demo_quarters(db)
    await add_residents(db, [quarters[0]], 10, address="console:r{}")
    chat = await kvartalkom(core, db)
    await compose(chat, "Собрание в 18:00")
    await chat.press("Отправить в назначенное время")
    await chat.send("вчера")
    assert "Я не понял время" in chat.text
    await chat.send("11:00")  # already past today (12:00 in Bishkek): tomorrow
    assert "будет отправлено 21 ноября в 11:00" in chat.text
    before = BroadcastRunner(db, core_config(), clock=clock)
    assert await before.tick() == (0, 0)
    clock.now += timedelta(days=1)  # the process was down meanwhile; two come back at once
    restarted = [BroadcastRunner(db, core_config(), clock=clock) for _ in range(3)]
    results = await asyncio.gather(*(r.tick() for r in restarted))
    assert sum(started for started, _ in results) == 1
    assert len(await outbox_for(db, "console:r")) == 10
    async with db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(BroadcastRecipient)) == 11


async def test_cancelling_a_scheduled_broadcast_and_a_finished_one(db, core, runner, clock):
    chat = await kvartalkom(core, db)
    await compose(chat, "Собрание в 18:00")
    await chat.press("Отправить в назначенное время")
    await chat.send("25.12 18:00")
    await compose(chat, "Второе объявление")
    await chat.press("Отправить сейчас")
    await runner.tick()
    await chat.send("/broadcasts")
    assert "#1 (запланировано на 25 декабря, 18:00)" in chat.text and "#2 (отправляется)" in chat.text
    await chat.press("Отменить №1")
    assert "Объявление №1 отменено" in chat.text
    stale = chat.replies[-2]  # the list shown before: its button is pressed again
    await chat.send(kind=InputKind.OPTION, option=encode_option(stale["nonce"], "cancel:1"))
    await chat.send("/broadcasts")
    assert "#1 (отменено)" in chat.text
    async with db.transaction() as session:
        from handlers.broadcasts.orders import do_cancel_broadcast
        head = await person_of(db, "console:head")
        identity = (await session.scalars(sa.select(ChannelIdentity).where(ChannelIdentity.address == "console:head"))).one()
        with pytest.raises(AlreadyFinished):
            await do_cancel_broadcast(session, rights=await sender_rights(session, head), person=head,
                                      identity=identity, broadcast_id=2, now=clock.now)


async def stop_through_the_service(db, address: str, broadcast_id: int, now, refusal: type[Exception]) -> None:
    """Calls do_stop_broadcast as the person of ``address`` would, expecting ``refusal``; what the
    unit of work wrote besides (the audit entry) is committed, as in a turn."""
    async with db.transaction() as session:
        person = await person_of(db, address)
        identity = (await session.scalars(sa.select(ChannelIdentity).where(ChannelIdentity.address == address))).one()
        with pytest.raises(refusal):
            await do_stop_broadcast(session, rights=await sender_rights(session, person), person=person,
                                    identity=identity, broadcast_id=broadcast_id, now=now)


async def test_a_broadcast_sent_by_mistake_is_stopped_midway_and_the_rest_never_go(db, core, runner, clock):
    quarters = await demo_quarters(db)
    chat = await kvartalkom(core, db)
    other_head = await kvartalkom(core, db, address="console:head2", quarter="2")
    await add_residents(db, [quarters[0]], 12, address="console:r{}")
    await compose(chat, "Воды не будет завтра (ошибка: не тот квартал)")
    await chat.press("Отправить сейчас")
    sender = Collecting()
    while await DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock).deliver_due():
        pass  # the dialogs' replies so far
    assert (await runner.tick())[0] == 1
    await DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock, batch=5).deliver_due()  # a few went out
    reached = [a for a, p in sender.sent if a.startswith("console:r")]
    assert 0 < len(reached) < 5

    await other_head.send("/broadcasts")  # not the author, not municipal staff: no button, and no way round it
    assert "Остановить №1" not in " ".join(other_head.labels())
    await other_head.send(kind=InputKind.OPTION, option=encode_option(other_head.last["nonce"], "stop:1"))
    assert "Я не понял ваш ответ" in other_head.text  # a value the list did not offer is not acted on
    await stop_through_the_service(db, "console:head2", 1, clock.now, NotAllowed)  # the refusal is logged

    await chat.send("/broadcasts")
    assert "#1 (отправляется)" in chat.text
    await chat.press("Остановить №1")
    stopped = 12 - len(reached)
    assert f"Объявление №1 остановлено.\nНе получат: {stopped}\n" in chat.text
    assert f"Уже получили или оно было в пути: {len(reached) + 1}" in chat.text  # and the head's own copy
    while await DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock).deliver_due():
        pass
    assert [a for a, p in sender.sent if a.startswith("console:r")] == reached  # nobody else got it
    assert not [p for a, p in sender.sent if a == "console:head" and "Отчёт" in p["text"]]  # no "sent" report
    assert Counter(o.status for o in await outbox_for(db, "console:r")) == {
        OutboxStatus.SENT: len(reached), OutboxStatus.CANCELLED: stopped}
    await runner.tick()  # the runner leaves a stopped broadcast alone
    assert (await broadcasts(db))[0].status == BroadcastStatus.CANCELLED

    await chat.send("/broadcasts")
    assert "#1 (остановлено во время отправки)" in chat.text
    await chat.press("Отчёт №1")
    assert "Объявление №1 остановлено во время отправки" in chat.text
    assert f"Доставлено: {len(reached) + 1}" in chat.text and f"объявление остановлено: {stopped}" in chat.text
    await stop_through_the_service(db, "console:head", 1, clock.now, AlreadyFinished)  # stopped twice
    async with db.reader() as session:
        audit = (await session.execute(sa.select(AuditEntry.action, AuditEntry.outcome)
                                       .where(AuditEntry.action == "broadcast.stop"))).all()
    assert sorted(audit) == sorted([("broadcast.stop", AuditOutcome.REFUSED), ("broadcast.stop", AuditOutcome.ALLOWED)])


class Held(Collecting):
    """A send that waits at the network edge until released, then fails as told."""

    def __init__(self, failure: Exception | None) -> None:
        super().__init__()
        self.failure, self.under_way, self.release = failure, asyncio.Event(), asyncio.Event()

    async def send(self, message):
        self.under_way.set()
        await self.release.wait()
        if self.failure is not None:
            raise self.failure
        return await super().send(message)


@pytest.mark.parametrize("failure", [None, RetryLater(1.0)])
async def test_a_message_under_way_when_its_broadcast_is_stopped_is_never_sent_again(db, core, runner, clock,
                                                                                       failure):
    quarters = await demo_quarters(db)
    chat = await kvartalkom(core, db)
    await add_residents(db, [quarters[0]], 1, address="console:r{}")
    await compose(chat, "Ошибочное объявление")
    await chat.press("Отправить сейчас")
    while await DeliveryWorker(db, {Channel.CONSOLE: Collecting()}, clock=clock).deliver_due():
        pass
    await runner.tick()
    held = Held(failure)
    clock.now += timedelta(seconds=5)  # past quiet hours or not, the one message is due
    round_ = asyncio.create_task(DeliveryWorker(db, {Channel.CONSOLE: held}, clock=clock).deliver_due())
    await within(held.under_way.wait(), "the message never went on its way")
    await chat.send("/broadcasts")
    await chat.press("Остановить №1")
    assert "Не получат: 0" in chat.text and "Уже получили или оно было в пути: 2" in chat.text  # and the head's copy
    held.release.set()
    await round_
    [row] = [o for o in await outbox_for(db, "console:r")]
    assert row.status == (OutboxStatus.SENT if failure is None else OutboxStatus.CANCELLED)
    clock.now += timedelta(minutes=5)
    sender = Collecting()
    while await DeliveryWorker(db, {Channel.CONSOLE: sender}, clock=clock).deliver_due():
        pass
    assert not [a for a, _ in sender.sent if a.startswith("console:r")]  # a retry does not bring it back


async def test_residents_answer_and_mute_without_losing_their_place(db, core, runner):
    chat = await kvartalkom(core, db)
    resident = Chat(core, db, "console:resident")
    await onboard(resident, quarter="1")
    await resident.send("/menu")
    await resident.press("Подать обращение")  # in the middle of a draft
    draft_question = resident.last
    await compose(chat, "Собрание жителей в пятницу", kind="Приглашение на собрание")
    await chat.press("Отправить сейчас")
    await runner.tick()
    notice = (await resident.receive())[-1]
    assert "Приглашение на собрание" in notice["text"] and notice["options"][0]["label"] == "🙋 Приду"
    await resident.press("Приду", reply=notice)
    assert resident.text == "Спасибо, будем вас ждать." and resident.last["options"] == []
    await resident.press("Отключить объявления", reply=notice)
    assert "обычные объявления отключены" in resident.text
    await resident.press(draft_question["options"][0]["label"], reply=draft_question)  # the draft goes on
    assert "Опишите" in resident.text or "опишите" in resident.text
    async with db.reader() as session:
        recipient = (await session.scalars(sa.select(BroadcastRecipient).where(
            BroadcastRecipient.person_id == (await person_of(db, "console:resident")).id))).one()
    assert recipient.ack == "coming"
    await compose(chat, "Ещё одно объявление")
    assert "1 жителей отключили обычные объявления" in chat.text
