"""Initiative groups and public hearings through the core, with a controllable clock: join (with
the optional profile), the coordinator's approval, a group notice and a hearing's announcement
through the broadcasts, registration, the day-before reminder, proposals (personal, for a
group, late), outcomes told in the author's language, and the report's figures checked against
what the test created; then the bad input and the refusals of the issue."""

from datetime import timedelta

import pytest

from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.initiatives import groups
from handlers.initiatives.hearings import HearingInPast
from handlers.initiatives.reminders import HearingReminders
from handlers.staff.access import Actor, Grant
from storage.enums import AuditOutcome, BroadcastKind, Gender, HearingKind, MembershipStatus, ProposalOutcome, Role
from storage.models import AuditEntry, Broadcast, GroupMember, HearingRegistration, ParticipantProfile, Proposal
from tests.broadcast_world import person_of
from tests.core_config import core_config
from tests.harness import Chat, onboard
from tests.initiatives_world import add_group, budget_hearing, hearing_desk, rows, staff_actor
from tests.test_broadcasts import clock, core, runner  # noqa: F401 (the same core, runner and clock)


async def resident(core, db, address: str, **kwargs) -> tuple[Chat, int]:
    chat = Chat(core, db, address)
    await onboard(chat, **kwargs)
    return chat, (await person_of(db, address)).id


async def join(chat: Chat, group: str, *, gender: str = "Женщина", age: str = "30-44",
               button: str = "Вступить") -> None:
    """Opens the group and asks to join; the optional questions, if asked, answered."""
    await chat.send("/groups")
    await chat.press(group)
    await chat.press(button)
    if "статистик" in chat.text:  # the optional questions (asked once, with the reason)
        await chat.press(gender)
        await chat.press(age)


async def test_the_whole_cycle_and_the_report_figures(db, core, runner, clock):
    coordinator, coordinator_id = await resident(core, db, "console:coordinator")
    youth = await add_group(db, "Жаштар демилгеси", coordinator_id)
    aigul, aigul_id = await resident(core, db, "console:aigul")
    bakyt, bakyt_id = await resident(core, db, "console:bakyt", language="Кыргызча")
    await resident(core, db, "console:outsider")

    await aigul.send("/groups")
    assert "Инициативные группы" in aigul.text and "Жаштар демилгеси (0)" in aigul.labels()
    await aigul.press("Жаштар")
    assert "Координатор: Нургүл" in aigul.text and "Участников: 0" in aigul.text
    await aigul.press("Вступить")
    assert "только для статистики участия" in aigul.text  # asked once, optionally, with the reason
    await aigul.press("Женщина")
    await aigul.press("30-44")
    assert "отправлена координатору" in aigul.text
    prompt = await coordinator.receive()  # the coordinator's dialog opens on the request
    assert "просит принять в группу «Жаштар демилгеси»" in prompt[0]["text"]
    await coordinator.press("✅")
    assert "Одобрено" in coordinator.text
    assert "одобрена" in (await aigul.receive())[0]["text"]
    await join(bakyt, "Жаштар", button="Топко кошулуу", gender="Аял")  # a Kyrgyz speaker: the same, in Kyrgyz
    assert "өтүнүчүңүз топтун координаторуна жөнөтүлдү" in bakyt.text
    await coordinator.receive()
    await coordinator.press("✅")
    assert "өтүнүчүңүз ырасталды" in (await bakyt.receive())[0]["text"]  # told in their language
    [profile_a, profile_b] = await rows(db, ParticipantProfile)
    assert profile_a.gender == Gender.FEMALE and profile_a.age_group == "30-44" and profile_b.gender == Gender.FEMALE

    # a notice to the group, through the broadcasts: members get it, others do not
    await coordinator.send("/menu")
    await coordinator.press("Моя инициативная группа")
    await coordinator.press("Объявление для группы")
    await coordinator.send("Собираемся в субботу в 10:00 у школы")
    assert "отправляется" in coordinator.text
    await runner.tick()
    [notice] = await rows(db, Broadcast)
    assert notice.group_ids == [youth] and notice.quarter_ids is None and notice.recipients == 2
    assert "Жаштар демилгеси" in (await aigul.receive())[0]["text"]
    assert "Собираемся в субботу" in (await bakyt.receive())[0]["text"]

    # a hearing announced by the head, to the whole municipality
    desk = hearing_desk(db, clock)
    head = await staff_actor(db, desk)
    hearing_id = await desk.announce(head, budget_hearing())
    await runner.tick()
    [invitation] = await aigul.receive()
    assert "Общественные слушания: приглашение от Аламудунского айыл окмоту" in invitation["text"]  # genitive
    assert "Бюджет 2027" in invitation["text"]
    await aigul.press("Приду", reply=invitation)
    assert "Вы зарегистрированы на слушания «Бюджет 2027»" in aigul.text
    await aigul.press("Приду", reply=invitation)  # registering twice
    assert "Вы уже зарегистрированы" in aigul.text
    await bakyt.receive()
    await bakyt.send("/hearings")
    await bakyt.press("Бюджет 2027")
    await bakyt.press("Катышууга катталуу")
    assert "угуусуна катталдыңыз" in bakyt.text
    assert len(await rows(db, HearingRegistration)) == 2

    # the reminder the day before, once
    clock.now += timedelta(days=1, hours=1)
    reminders = HearingReminders(db, core_config(), clock=clock)
    assert await reminders.remind() == 2 and await reminders.remind() == 0
    assert "Напоминание: завтра в 12:00 пройдут" in (await aigul.receive())[0]["text"]
    assert "Эскертүү: эртең саат 12:00дө «Бюджет 2027»" in (await bakyt.receive())[0]["text"]

    # proposals: for the group with a photo, personally in Kyrgyz
    await aigul.send("/hearings")
    await aigul.press("Бюджет 2027")
    await aigul.press("Отправить предложение")
    await aigul.press("Жаштар")
    await aigul.photo("Отремонтировать дорогу к школе")
    assert "Ваше предложение №" in aigul.text
    await bakyt.send("/hearings")
    await bakyt.press("Бюджет 2027")
    await bakyt.press("Сунуш жөнөтүү")
    await bakyt.press("Өз атымдан")
    await bakyt.send("Суу түтүгүн алмаштыруу керек")
    assert "сунушуңуз катталды" in bakyt.text

    # the hearing takes place; a check-in, then the counts at the door; a late proposal is kept
    clock.now += timedelta(days=1)
    detail = await desk.detail(head, hearing_id)
    aigul_registration = next(r for r in detail.registered if r.woman)
    await desk.check_in(head, hearing_id, aigul_registration.id)
    figures = (await desk.detail(head, hearing_id)).figures
    assert (figures.figures.participants, figures.figures.women, figures.figures.from_groups) == (1, 1, 1)
    assert not figures.counted_at_door
    await desk.record_attendance(head, hearing_id, 135, 57, 25)
    await desk.close(head, hearing_id)
    await aigul.send("/hearings")
    assert "не объявлены" in aigul.text  # a closed hearing is no longer offered
    async with db.transaction() as session:  # a late proposal from a member who kept the hearing open
        from handlers.initiatives.proposals import do_submit_proposal
        from storage.models import Hearing, Person
        late = await do_submit_proposal(session, hearing=await session.get(Hearing, hearing_id),
                                        person=await session.get(Person, bakyt_id), text="Спорт аянтчасы",
                                        language="ky", now=clock.now)
    assert late.late
    [group_proposal, personal, _late] = await rows(db, Proposal, hearing_id=hearing_id)
    assert group_proposal.group_id == youth and group_proposal.photo["ref"].startswith("photo-")
    assert personal.group_id is None and personal.language == "ky" and not personal.late

    # outcomes, each told to its author in their language
    await desk.decide(head, hearing_id, group_proposal.id, ProposalOutcome.ACCEPTED, None, None)
    with pytest.raises(InvalidInput):  # a rejection needs its reason
        await desk.decide(head, hearing_id, personal.id, ProposalOutcome.REJECTED, " ", None)
    await desk.decide(head, hearing_id, personal.id, ProposalOutcome.REJECTED, "Каражат жок", None)
    await desk.decide(head, hearing_id, _late.id, ProposalOutcome.MERGED, None, group_proposal.id)
    assert "принято: оно включено в бюджет" in (await aigul.receive())[0]["text"]
    told = [m["text"] for m in await bakyt.receive()]
    assert any("кабыл алынган жок. Себеби: Каражат жок" in t for t in told)
    assert any(f"№{group_proposal.id} сунуш менен бириктирилди" in t for t in told)

    # the report: the figures are those the test created
    per_hearing, per_year = await desk.report(head)
    [row] = per_hearing
    f = row.figures
    assert (f.participants, f.women, f.from_groups) == (135, 57, 25) and row.counted_at_door
    assert (f.registered, f.checked_in, f.proposals, f.proposals_from_groups) == (2, 1, 3, 1)
    assert (f.accepted, f.partly, f.rejected, f.merged, f.late, f.undecided) == (1, 0, 1, 1, 1, 0)
    [year] = per_year
    assert (year.year, year.kind, year.hearings, year.figures.participants) == (2026, HearingKind.BUDGET, 1, 135)


async def test_a_reminder_on_the_day_of_the_hearing_says_today_not_tomorrow(db, core, runner, clock):
    aigul, _ = await resident(core, db, "console:aigul")
    bakyt, _ = await resident(core, db, "console:bakyt", language="Кыргызча")
    desk = hearing_desk(db, clock)
    await desk.announce(await staff_actor(db, desk), budget_hearing(starts_at=clock.now + timedelta(hours=5)))
    await runner.tick()
    for chat, word in ((aigul, "Приду"), (bakyt, "Келем")):
        [invitation] = await chat.receive()
        await chat.press(word, reply=invitation)
    assert await HearingReminders(db, core_config(), clock=clock).remind() == 2
    [ru] = await aigul.receive()
    [ky] = await bakyt.receive()
    assert "Напоминание: сегодня в 17:00 пройдут" in ru["text"] and "завтра" not in ru["text"]
    assert "Эскертүү: бүгүн саат 17:00дө" in ky["text"] and "эртең" not in ky["text"]


async def test_bad_input_gets_a_clear_answer_and_changes_nothing(db, core, runner, clock):
    coordinator, coordinator_id = await resident(core, db, "console:coordinator")
    youth = await add_group(db, "Жаштар", coordinator_id)
    women = await add_group(db, "Аялдар кеңеши", None)
    aigul, aigul_id = await resident(core, db, "console:aigul")

    # joining twice (the second request came from another device meanwhile)
    await aigul.send("/groups")
    await aigul.press("Аялдар")
    async with db.transaction() as session:
        await groups.do_request_join(session, await session.get(__import__("storage.models").models.Person, aigul_id),
                                     women, clock.now)
    await aigul.press("Вступить")
    await aigul.press("Пропустить")
    await aigul.press("Пропустить")
    assert "Вы уже подали заявку" in aigul.text
    [profile] = await rows(db, ParticipantProfile)
    assert profile.gender is None and profile.age_group is None  # skipped: asked, nothing kept
    await join(aigul, "Жаштар")
    await coordinator.receive()
    await coordinator.press("✅")
    async with db.transaction() as session:
        person = await session.get(__import__("storage.models").models.Person, aigul_id)
        with pytest.raises(groups.AlreadyMember):
            await groups.do_request_join(session, person, youth, clock.now)

    # leaving a group one is not in
    await aigul.send("/groups")
    await aigul.press("Жаштар")
    assert "🚪 Выйти из группы" in aigul.labels()
    async with db.transaction() as session:
        await groups.do_leave(session, await session.get(__import__("storage.models").models.Person, aigul_id),
                              youth, clock.now)
    await aigul.press("Выйти")
    assert "Вы не состоите в этой группе" in aigul.text
    [left] = await rows(db, GroupMember, group_id=youth)
    assert left.status == MembershipStatus.LEFT

    # a hearing in the past, or without a place
    desk = hearing_desk(db, clock)
    head = await staff_actor(db, desk)
    with pytest.raises(HearingInPast):
        await desk.announce(head, budget_hearing(starts_at=clock.now - timedelta(hours=1)))
    with pytest.raises(InvalidInput):
        await desk.announce(head, budget_hearing(place="  "))
    assert await rows(db, Broadcast) == []
    hearing_id = await desk.announce(head, budget_hearing())
    await runner.tick()
    await aigul.receive()

    # attendance that does not add up
    with pytest.raises(InvalidInput):
        await desk.record_attendance(head, hearing_id, 10, 11, 0)

    # registering after the start; a proposal after the hearing closed is kept and marked late
    clock.now += timedelta(days=3)
    await desk.close(head, hearing_id)
    async with db.transaction() as session:
        from handlers.initiatives.registrations import HearingOver, do_register
        from storage.models import Hearing, Person
        with pytest.raises(HearingOver):
            await do_register(session, await session.get(Hearing, hearing_id), await session.get(Person, aigul_id),
                              clock.now)
    async with db.transaction() as session:
        from handlers.initiatives.proposals import do_submit_proposal
        with pytest.raises(NotAllowed):  # a group she does not belong to
            await do_submit_proposal(session, hearing=await session.get(Hearing, hearing_id),
                                     person=await session.get(Person, aigul_id), text="…для группы",
                                     language="ru", now=clock.now, group_id=women)
        with pytest.raises(InvalidInput):
            await do_submit_proposal(session, hearing=await session.get(Hearing, hearing_id),
                                     person=await session.get(Person, aigul_id), text=" 🙂 ", language="ru",
                                     now=clock.now)
    await aigul.send("/hearings")
    assert "не объявлены" in aigul.text


async def test_refusals_are_polite_and_logged(db, core, clock):
    coordinator, coordinator_id = await resident(core, db, "console:coordinator")
    await add_group(db, "Жаштар", coordinator_id)
    women = await add_group(db, "Аялдар кеңеши", None)
    aigul, aigul_id = await resident(core, db, "console:aigul")
    await join(aigul, "Аялдар")
    [request] = await rows(db, GroupMember, group_id=women)

    # a coordinator approving a member of another group
    async with db.transaction() as session:
        from storage.models import Person
        with pytest.raises(NotAllowed):
            await groups.do_decide_membership(session, coordinator=await session.get(Person, coordinator_id),
                                              membership_id=request.id, approve=True, now=clock.now,
                                              via="console:coordinator")
    [refusal] = await rows(db, AuditEntry, action="group.approve")
    assert refusal.outcome == AuditOutcome.REFUSED and refusal.actor_person_id == coordinator_id
    [still] = await rows(db, GroupMember, group_id=women)
    assert still.status == MembershipStatus.PENDING
    await coordinator.send("/menu")
    await coordinator.press("Моя инициативная группа")
    await coordinator.press("Заявки на вступление (0)")  # another group's request is not offered
    assert "Заявок на вступление нет" in coordinator.text

    # a resident who is no coordinator opening the coordinator's desk (an old button, a typed command)
    await aigul.send("/menu")
    assert not any("Моя инициативная группа" in label for label in aigul.labels())
    async with db.transaction() as session:
        from handlers.engine.dialog import do_prompt_resident
        await do_prompt_resident(session, core_config(), aigul_id, "", "coordinator", "main", clock.now,
                                 busy_hint="")
    assert "Это может сделать только координатор" in (await aigul.receive())[0]["text"]
    [opened] = await rows(db, AuditEntry, action="group.desk")
    assert opened.outcome == AuditOutcome.REFUSED

    # a kvartalkom head may look at hearings but not announce one; a hearing of nobody's is not found
    desk = hearing_desk(db, clock)
    kvartalkom = await staff_actor(db, desk, Role.KVARTALKOM, address="console:kv", name="Гүлнара")
    with pytest.raises(NotAllowed):
        await desk.announce(kvartalkom, budget_hearing())
    head = await staff_actor(db, desk, address="console:head")
    hearing_id = await desk.announce(head, budget_hearing(kind=HearingKind.PROGRAMME))
    assert (await desk.detail(kvartalkom, hearing_id)).may_manage is False
    with pytest.raises(NotAllowed):
        await desk.record_attendance(kvartalkom, hearing_id, 83, 31, 11)
    with pytest.raises(NotFound):
        await desk.detail(head, hearing_id + 100)
    refused = [e for e in await rows(db, AuditEntry) if e.outcome == AuditOutcome.REFUSED
               and e.action.startswith("hearing.")]
    assert [e.action for e in refused] == ["hearing.announce", "hearing.attendance", "hearing.view"]
    lawyer = Actor(kvartalkom.person_id, kvartalkom.municipality_id, kvartalkom.language, "web",
                   (Grant(Role.LAWYER, None, None),))  # signed in for the legal queue only
    with pytest.raises(NotAllowed):
        await desk.report(lawyer)
    with pytest.raises(NotFound):
        await desk.detail(lawyer, hearing_id)
    [announcement] = await rows(db, Broadcast)
    assert announcement.kind == BroadcastKind.HEARING and announcement.author_identity_id is None
