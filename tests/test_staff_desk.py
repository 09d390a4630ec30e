"""The staff desk: who may do what (every role × every action × own/other municipality),
what each action does for the resident and the staff chat, and the audit log."""

import json
from datetime import date

import pytest
import sqlalchemy as sa

from handlers.errors import InvalidInput, NotAllowed, NotFound
from handlers.staff.access import OVERALL, StaffAction
from handlers.staff.registration import GivenAnswer
from handlers.staff.views import RequestFilters
from storage.enums import AnswerForm, AuditOutcome, RequestEventKind, RequestStatus
from storage.models import AuditEntry, OutboxMessage, RequestEvent, ResponsibleBody, StaffCard
from tests.staff_world import ROADS_CHAT, WATER_CHAT, build_world


@pytest.fixture
async def world(db):
    return await build_world(db)


def call(world, action: StaffAction, actor, request_id: int):
    """One desk call per action, with valid input, so only authorization can refuse it."""
    desk = world.desk
    return {
        StaffAction.VIEW: lambda: desk.request_detail(actor, request_id),
        StaffAction.TAKE: lambda: desk.take(actor, request_id),
        StaffAction.ANSWER: lambda: desk.answer(actor, request_id, "Бригада выехала."),
        StaffAction.ASK: lambda: desk.ask_resident(actor, request_id, "Какой номер дома?"),
        StaffAction.FORWARD: lambda: desk.forward(actor, request_id, world.departments["general"]),
        StaffAction.RESOLVE: lambda: desk.resolve(actor, request_id, "Готово."),
        StaffAction.REJECT: lambda: desk.reject(actor, request_id, "Не наш вопрос."),
        StaffAction.EXTEND: lambda: desk.extend(actor, request_id, 10, "Нужна экспертиза."),
        StaffAction.NOTE: lambda: desk.add_note(actor, request_id, "Позвонить утром."),
        StaffAction.RECORD_ANSWER: lambda: desk.record_answer_given(actor, request_id, GivenAnswer(
            AnswerForm.PHONE, date(2026, 11, 20), "Сказали по телефону.")),
        StaffAction.ERASE_APPLICANT: lambda: desk.erase_applicant(actor, request_id),
        StaffAction.MERGE: lambda: merge_into_another(world, actor, request_id),
    }[action]()


async def merge_into_another(world, actor, request_id: int) -> None:
    """Merges the request into another resident's open water request of quarter 1 (the same department)."""
    target = await world.request_of(await world.resident(), "Воды нет во всём квартале")
    await world.desk.merge(actor, request_id, target.ticket)


ON_REQUEST = [a for a in StaffAction if a not in OVERALL]
EVERYTHING = set(ON_REQUEST)
# The request is a water request from quarter 1 of ALM.
EXPECTED = {
    "head": EVERYTHING,
    "admin": EVERYTHING,
    "water": EVERYTHING - {StaffAction.ERASE_APPLICANT},  # erasing a person: the head and the administrator
    "roads": set(),
    "kvartalkom": {StaffAction.VIEW, StaffAction.NOTE},
    "kvartalkom2": set(),
}


async def audit_rows(db, person_id: int) -> list[AuditEntry]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(AuditEntry).where(AuditEntry.actor_person_id == person_id)
                                           .order_by(AuditEntry.id))).all())


async def test_authorization_matrix_every_role_every_action(world, db):
    resident = await world.resident()
    refused_request = await world.request_of(resident)
    for who, allowed in EXPECTED.items():
        actor = await world.actor(who)
        for action in ON_REQUEST:
            before = len(await audit_rows(db, actor.person_id))
            if action in allowed:
                # a fresh one: actions change state (and erasing takes the resident's data with it)
                request = await world.request_of(
                    await world.resident() if action == StaffAction.ERASE_APPLICANT else resident)
                await call(world, action, actor, request.id)
                outcome, target = AuditOutcome.ALLOWED, request.id
            else:
                untouched = await world.reload(refused_request.id)
                expected_error = NotAllowed if allowed else NotFound  # a request they cannot see "does not exist"
                with pytest.raises(expected_error):
                    await call(world, action, actor, refused_request.id)
                after = await world.reload(refused_request.id)
                assert (after.status, after.assignee_person_id, after.department_id, after.due_date) == \
                       (untouched.status, untouched.assignee_person_id, untouched.department_id, untouched.due_date)
                outcome, target = AuditOutcome.REFUSED, refused_request.id
            rows = await audit_rows(db, actor.person_id)
            if action == StaffAction.VIEW and outcome == AuditOutcome.ALLOWED:
                continue  # reading is not an action worth a log line
            assert len(rows) == before + 1, (who, action)
            assert (rows[-1].action, rows[-1].outcome, rows[-1].object_id) == (action.value, outcome, target)

    # Another municipality's head: ALM's request id typed in is "not found", and logged.
    other = await world.actor("other_head", municipality="TKM")
    for action in ON_REQUEST:
        with pytest.raises(NotFound):
            await call(world, action, other, refused_request.id)
    rows = await audit_rows(db, world.people["other_head"])
    assert [r.outcome for r in rows] == [AuditOutcome.REFUSED] * len(ON_REQUEST)
    assert all(r.detail == {"reason": "not visible"} for r in rows)

    # People with no staff role in ALM get no actor at all; the other head has none in ALM either.
    assert await world.actor("lawyer") is None
    assert await world.actor("other_head") is None


async def test_lists_show_only_what_each_role_may_see(world):
    resident = await world.resident()
    neighbour = await world.resident(quarter="2")
    water = await world.request_of(resident)
    roads = await world.request_of(neighbour, "Яма на дороге у школы", category="2")

    async def seen(who, municipality="ALM"):
        page = await world.desk.list_requests(await world.actor(who, municipality=municipality), RequestFilters())
        return {row.id for row in page.rows}

    assert await seen("head") == {water.id, roads.id}
    assert await seen("water") == {water.id}
    assert await seen("roads") == {roads.id}
    assert await seen("kvartalkom") == {water.id}
    assert await seen("kvartalkom2") == {roads.id}
    assert await seen("other_head", "TKM") == set()


async def test_take_answer_resolve_and_rate(world, db):
    resident = await world.resident()
    request = await world.request_of(resident)
    water = await world.actor("water")
    card = await only_card(db, request.id)
    assert card.chat_address == WATER_CHAT

    await world.desk.take(water, request.id)
    assert "На рассмотрении" in "".join(r["text"] for r in await resident.receive())
    edit = await last_to(db, WATER_CHAT)
    assert edit.payload["edit_of"] == card.outbox_id and "Staff water" in edit.payload["text"]
    assert "card:take" not in str(edit.payload["options"])  # taken: no Take button any more

    world.clock.advance(hours=5)
    await world.desk.answer(water, request.id, "Бригада заменила трубу, вода есть.", resolve=True)
    texts = [r["text"] for r in await resident.receive()]
    assert any("Бригада заменила трубу" in t for t in texts)
    rating = resident.last
    assert [o["label"] for o in rating["options"]][:5] == ["1 ⭐", "2 ⭐⭐", "3 ⭐⭐⭐", "4 ⭐⭐⭐⭐", "5 ⭐⭐⭐⭐⭐"]
    await resident.send("5")
    assert "Спасибо за оценку" in resident.text
    stored = await world.reload(request.id)
    assert (stored.status, stored.rating, stored.answered_at) == (RequestStatus.RESOLVED, 5, world.clock.now)
    final_card = await last_to(db, WATER_CHAT)
    assert final_card.payload["options"] == []  # closed: the card keeps no buttons

    board = await world.desk.dashboard(await world.actor("head"), request.created_at.date(), world.clock.now.date())
    assert board.ratings[5] == 1 and board.average_rating == 5.0
    assert board.median_hours_to_answer == 5.0
    assert dict(board.by_status)["Решено"] == 1


async def test_not_solved_reopens_and_tells_staff(world, db):
    resident = await world.resident()
    request = await world.request_of(resident)
    head = await world.actor("head")
    await world.desk.resolve(head, request.id, "Сделано.")
    await resident.receive()
    await resident.press("Не решено")
    assert "снова открыто" in resident.text
    stored = await world.reload(request.id)
    assert stored.status == RequestStatus.IN_REVIEW and stored.closed_at is None and stored.rating is None
    card = await only_card(db, request.id)
    thread = await last_to(db, WATER_CHAT, reply_to=card.outbox_id)
    assert "чечилген жок" in thread.payload["text"]  # the water chat reads Kyrgyz
    head_hears = await last_to(db, "console:head")
    assert request.ticket in head_hears.payload["text"] and "не решена" in head_hears.payload["text"]
    board = await world.desk.dashboard(head, request.created_at.date(), world.clock.now.date())
    assert board.not_solved == 1


async def test_question_to_the_resident_and_the_answer_in_the_card_thread(world, db):
    resident = await world.resident(language="Кыргызча")
    request = await world.request_of(resident, "Суу жок")
    water = await world.actor("water")
    await world.desk.ask_resident(water, request.id, "Үйүңүздүн номери канча?")
    asked = "\n".join(r["text"] for r in await resident.receive())
    assert "Үйүңүздүн номери канча?" in asked
    await resident.send("Ленин көчөсү, 12")
    assert "Рахмат" in resident.text
    card = await only_card(db, request.id)
    thread = await last_to(db, WATER_CHAT, reply_to=card.outbox_id)
    assert "Ленин көчөсү, 12" in thread.payload["text"]
    async with db.reader() as session:
        kinds = (await session.scalars(sa.select(RequestEvent.kind).where(RequestEvent.request_id == request.id))).all()
    assert RequestEventKind.CLARIFICATION_ASKED in kinds and RequestEventKind.RESIDENT_REPLIED in kinds


async def test_a_question_does_not_interrupt_a_draft(world):
    resident = await world.resident()
    request = await world.request_of(resident)
    await resident.press("📝")
    await resident.send("1")
    await resident.send("Второе обращение: мусор")
    confirm_screen = resident.last
    await world.desk.ask_resident(await world.actor("water"), request.id, "Какой номер дома?")
    note = "\n".join(r["text"] for r in await resident.receive())
    assert "Мои обращения" in note and "Какой номер дома?" not in note
    # The draft goes on where it was (the confirm screen)…
    await resident.press("✅", reply=confirm_screen)
    assert "ALM-2026-000002" in resident.text
    # …and the question waits in My requests.
    await resident.send("/my")
    await resident.send(request.ticket)
    await resident.press("Ответить на вопрос")
    assert "Какой номер дома?" in resident.text
    await resident.send("Дом 7")
    assert "передан" in resident.text


async def test_forward_moves_the_card_and_the_right_to_act(world, db):
    resident = await world.resident()
    request = await world.request_of(resident)
    water, roads = await world.actor("water"), await world.actor("roads")
    await world.desk.forward(water, request.id, world.departments["roads"], "Это дорога, не вода")
    async with db.reader() as session:
        cards = {c.chat_address: c for c in (await session.scalars(
            sa.select(StaffCard).where(StaffCard.request_id == request.id))).all()}
    assert set(cards) == {WATER_CHAT, ROADS_CHAT}
    old = await last_to(db, WATER_CHAT)
    assert old.payload["edit_of"] == cards[WATER_CHAT].outbox_id and old.payload["options"] == []
    new = await last_to(db, ROADS_CHAT)
    assert "Взять" in str(new.payload["options"])  # the roads chat speaks Russian
    with pytest.raises(NotFound):
        await world.desk.take(water, request.id)
    await world.desk.take(roads, request.id)


async def test_reject_says_who_is_responsible_instead(world, db):
    resident = await world.resident()
    request = await world.request_of(resident, "Нет света в доме")
    async with db.reader() as session:
        body = (await session.scalars(sa.select(ResponsibleBody).order_by(ResponsibleBody.sort))).first()
    await world.desk.reject(await world.actor("head"), request.id, "Электроснабжение домов — не вопрос айыл окмоту.",
                            body.id)
    text = "\n".join(r["text"] for r in await resident.receive())
    assert "Отклонено" in text and "Северэлектро" in text and "1212" in text
    assert (await world.reload(request.id)).responsible_body_id == body.id


async def test_extension_needs_a_reason_moves_the_deadline_once_and_tells_the_resident(world):
    resident = await world.resident()
    request = await world.request_of(resident)
    water = await world.actor("water")
    with pytest.raises(InvalidInput):
        await world.desk.extend(water, request.id, 10, "   ")
    await world.desk.extend(water, request.id, 10, "Нужна экспертиза трубы")
    stored = await world.reload(request.id)
    assert stored.due_date > request.due_date and stored.extensions == 1
    assert "Нужна экспертиза трубы" in "\n".join(r["text"] for r in await resident.receive())
    with pytest.raises(InvalidInput):
        await world.desk.extend(water, request.id, 5, "Ещё раз")


async def test_internal_notes_never_reach_the_resident(world, db):
    resident = await world.resident()
    request = await world.request_of(resident)
    await world.desk.add_note(await world.actor("kvartalkom"), request.id, "Жилец пожилой, звонить сыну")
    assert await resident.receive() == []
    await resident.send("/my")
    await resident.send(request.ticket)
    assert "звонить сыну" not in resident.text
    detail = await world.desk.request_detail(await world.actor("head"), request.id)
    assert [e.internal for e in detail.events if e.text == "Жилец пожилой, звонить сыну"] == [True]


async def test_bad_staff_input_is_refused_and_changes_nothing(world):
    resident = await world.resident()
    request = await world.request_of(resident)
    water = await world.actor("water")
    for bad in ("", "   ", "я" * 4001):
        with pytest.raises(InvalidInput):
            await world.desk.answer(water, request.id, bad)
    with pytest.raises(InvalidInput):
        await world.desk.forward(water, request.id, world.departments["water"])
    with pytest.raises(NotFound):
        await world.desk.take(water, 10_000_000)
    await world.desk.resolve(water, request.id)
    with pytest.raises(InvalidInput):
        await world.desk.answer(water, request.id, "Поздний ответ")
    stored = await world.reload(request.id)
    assert stored.answered_at is None and stored.status == RequestStatus.RESOLVED


async def test_filters_search_and_paging(world):
    resident = await world.resident()
    neighbour = await world.resident(quarter="2")
    first = await world.request_of(resident, "ВОДА не идёт уже неделю")
    await world.request_of(neighbour, "Яма на дороге", category="2")
    world.clock.advance(days=20)
    late = await world.request_of(resident, "Снова нет воды")
    head = await world.actor("head")
    list_ = world.desk.list_requests

    assert [r.id for r in (await list_(head, RequestFilters(text="вода"))).rows] == [first.id]
    assert [r.id for r in (await list_(head, RequestFilters(text=first.ticket.lower()))).rows] == [first.id]
    assert {r.id for r in (await list_(head, RequestFilters(overdue=True))).rows} >= {first.id}
    assert late.id not in {r.id for r in (await list_(head, RequestFilters(overdue=True))).rows}
    by_quarter = await list_(head, RequestFilters(quarter_id=world.quarters["q2"]))
    assert [r.category for r in by_quarter.rows] == ["🛣 Внутренние дороги"]
    period = await list_(head, RequestFilters(created_from=world.clock.now.date(), created_to=world.clock.now.date()))
    assert [r.id for r in period.rows] == [late.id]
    page = await list_(head, RequestFilters(), page=2, per_page=2)
    assert (page.total, page.pages, len(page.rows)) == (3, 2, 1) and page.rows[0].id == first.id
    assert (await list_(head, RequestFilters(text="%"))).total == 0  # wildcards are searched literally


async def only_card(db, request_id: int) -> StaffCard:
    async with db.reader() as session:
        return (await session.execute(sa.select(StaffCard).where(StaffCard.request_id == request_id))).scalar_one()


async def last_to(db, address: str, *, reply_to: int | None = None) -> OutboxMessage:
    async with db.reader() as session:
        rows = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == address)
                                      .order_by(OutboxMessage.id))).all()
    if reply_to is not None:
        rows = [r for r in rows if r.payload.get("reply_to") == reply_to]
    assert rows, f"nothing was sent to {address}"
    return rows[-1]


async def test_a_quarter_is_always_named_with_its_village(world):
    """Both villages of Alamudun have a «Квартал №1»: the filter, the list, the dashboard and the card
    say which one."""
    from tests.harness import Chat, onboard

    alamedin = await world.resident()
    kara_jygach = Chat(world.core, world.db, "console:kara-jygach")
    await onboard(kara_jygach, village="Кара", quarter="1")
    first = await world.request_of(alamedin, "Нет воды у школы")
    second = await world.request_of(kara_jygach, "Нет воды у мечети")
    head = await world.actor("head")

    quarters = [label for _id, label in (await world.desk.choices(head)).quarters]
    assert len(set(quarters)) == len(quarters) == 15
    assert quarters[0] == "Квартал №1, Аламедин" and "Квартал №1, Кара-Джигач" in quarters
    rows = {r.id: r.quarter for r in (await world.desk.list_requests(head, RequestFilters())).rows}
    assert rows == {first.id: "Квартал №1, Аламедин", second.id: "Квартал №1, Кара-Джигач"}
    today = world.clock.now.date()
    board = await world.desk.dashboard(head, today, today)
    assert sorted(board.by_quarter) == [("Квартал №1, Аламедин", 1), ("Квартал №1, Кара-Джигач", 1)]
    async with world.db.reader() as session:
        cards = (await session.scalars(sa.select(OutboxMessage).where(OutboxMessage.address == WATER_CHAT))).all()
    assert any("🏘 1-квартал, Кара-Жыгач" in json.dumps(card.payload, ensure_ascii=False) for card in cards)  # the water group reads Kyrgyz
