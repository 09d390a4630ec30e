"""Legal consultations through the conversation core and the lawyers' desk: ask → suggest →
queue → answer → publish → suggested to the next asker; bad input; who may see what."""

import pytest
import sqlalchemy as sa

from handlers.errors import InvalidInput, NotFound
from handlers.legal.lawyers import questions_for_staff
from handlers.legal.search import search_answers
from storage.enums import AnswerStatus, AuditOutcome, RequestStatus
from storage.models import AuditEntry, LegalAnswer, LegalQuestion
from tests.legal_world import ask, build_world, send_to_lawyer

NEW_QUESTION = ("Можно ли выдавать жителям дрова для отопления школы из склада айыл окмоту зимой, "
                "если нет решения кенеша? Звоните Иванову Сергею Петровичу +996 555 123 456, ИНН 12345678901234.")
NEXT_ASKER = "можно ли выдавать дрова для отопления школы со склада айыл окмоту без решения кенеша"


@pytest.fixture
async def world(db):
    return await build_world(db)


async def test_a_published_answer_that_helps_ends_the_question_and_is_counted(world):
    chat = await world.resident("aibek")
    await ask(chat, "Когда должны выплатить отпускные муниципальному служащему?")
    assert "Прежде чем отправить" in chat.text and "Отпускные рассчитываются" in chat.text
    await chat.press("Ответ 1 отвечает")
    assert "Рады, что это помогло" in chat.text and "Главное меню" in chat.text
    async with world.db.reader() as session:
        helped = (await session.scalars(sa.select(LegalAnswer).where(LegalAnswer.helped == 1))).all()
        assert len(helped) == 1 and helped[0].key == "demo-labour-vacation-pay-ru"
        assert await session.scalar(sa.select(sa.func.count()).select_from(LegalQuestion)) == 0


async def test_ask_queue_answer_publish_and_the_next_asker_finds_it(world):
    asker = await world.resident("ainura")
    await ask(asker, NEW_QUESTION, topic="Муниципальное имущество")
    await send_to_lawyer(asker)
    question = await world.last_question()
    assert question.status == RequestStatus.RECEIVED and question.topic == "property"
    assert [q.id for q in await world.desk.queue(world.lawyer)] == [question.id]

    detail = await world.desk.detail(world.lawyer, question.id)
    assert len(detail.similar) == 3 and all(hit.answer.status == AnswerStatus.PUBLISHED for hit in detail.similar)
    await world.desk.take(world.lawyer, question.id)
    await world.desk.answer(world.lawyer, question.id, "Нет. Имущество выдаётся только по решению кенеша; "
                                                       "Иванов Сергей Петрович может обратиться в кенеш.")
    await asker.receive()
    assert "Ответ юриста на ваш вопрос Q-" in asker.text and "по решению кенеша" in asker.text

    draft = await world.desk.prepare_publication(world.lawyer, question.id)
    assert draft.status == AnswerStatus.DRAFT
    assert "Иванов" not in draft.question + draft.answer and "+996" not in draft.question
    assert "12345678901234" not in draft.question and "[ФИО]" in draft.answer
    async with world.db.reader() as session:  # a draft is never found
        assert all(hit.answer.id != draft.id for hit in await search_answers(session, NEXT_ASKER))
    await world.desk.approve_publication(world.lawyer, question.id, draft.question, draft.answer)

    next_asker = await world.resident("bakyt")
    await ask(next_asker, NEXT_ASKER, topic="Муниципальное имущество")
    assert "Прежде чем отправить" in next_asker.text and "только по решению кенеша" in next_asker.text


async def test_bad_input_is_answered_politely_and_nothing_is_queued(world):
    chat = await world.resident("erlan")
    await ask(chat, "отпуск")
    assert "слишком мало" in chat.text
    await chat.send("а" * 10_000)
    assert "слишком длинный (10" in chat.text
    await chat.photo()
    assert "Фото документа сохранено" in chat.text
    await chat.send("!!! ???")
    assert "напишите вопрос словами" in chat.text
    async with world.db.reader() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(LegalQuestion)) == 0
    await chat.send("Как оформить аренду пастбища у айыл окмоту на пять лет?")
    await send_to_lawyer(chat)
    question = await world.last_question()
    assert len(question.attachments) == 1 and question.attachments[0]["kind"] == "photo"


async def test_a_lawyer_cannot_answer_what_another_answered_or_took(world):
    chat = await world.resident("gulnara")
    await ask(chat, NEW_QUESTION)
    await send_to_lawyer(chat)
    question = await world.last_question()
    await world.desk.take(world.colleague, question.id)
    with pytest.raises(InvalidInput, match="taken by another lawyer"):
        await world.desk.answer(world.lawyer, question.id, "Мой ответ")
    await world.desk.answer(world.colleague, question.id, "Ответ коллеги")
    with pytest.raises(InvalidInput, match="already answered"):
        await world.desk.answer(world.colleague, question.id, "Ещё один ответ")
    with pytest.raises(NotFound):  # a lawyer of another municipality does not even see it
        await world.desk.answer(world.outsider, question.id, "Ответ")
    async with world.db.reader() as session:
        refused = (await session.scalars(sa.select(AuditEntry).where(
            AuditEntry.outcome == AuditOutcome.REFUSED, AuditEntry.object_type == "legal_question"))).all()
    assert [(e.actor_person_id, e.detail["reason"]) for e in refused] == [(world.outsider.person_id, "not visible")]


async def test_a_resident_cannot_read_another_persons_question_by_number(world):
    owner = await world.resident("owner")
    await ask(owner, NEW_QUESTION)
    await send_to_lawyer(owner)
    question = await world.last_question()
    other = await world.resident("curious")
    await other.press("⚖️")
    await other.press("Мои вопросы")
    await other.send(f"Q-{question.id}")
    assert "не найден среди ваших" in other.text and "дрова" not in other.text
    await owner.press("⚖️")
    await owner.press("Мои вопросы")
    await owner.send(f"Q-{question.id}")
    assert f"Вопрос Q-{question.id}" in owner.text and "дрова" in owner.text


async def test_a_confidential_question_is_hidden_from_the_municipality_staff(world):
    chat = await world.resident("asel")
    await ask(chat, "Глава айыл окмоту не выплачивает мне отпускные третий месяц, что делать?")
    await send_to_lawyer(chat, confidential=True)
    secret = await world.last_question()
    await ask(chat, NEW_QUESTION)
    await send_to_lawyer(chat)
    open_one = await world.last_question()
    async with world.db.reader() as session:
        seen = [q.id for q in await questions_for_staff(session, world.head)]
    assert seen == [open_one.id] and secret.confidential
    assert secret.id in [q.id for q in await world.desk.queue(world.lawyer)]


async def test_the_lawyer_asks_the_asker_and_the_answer_comes_back(world):
    chat = await world.resident("kanat")
    await ask(chat, NEW_QUESTION)
    await send_to_lawyer(chat)
    question = await world.last_question()
    await world.desk.ask_asker(world.lawyer, question.id, "Школа муниципальная или государственная?")
    await chat.receive()
    assert "Юрист уточняет по вашему вопросу" in chat.text and "Напишите ответ юристу" in chat.text
    await chat.send("Школа государственная.")
    assert "ваш ответ передан юристу" in chat.text
    detail = await world.desk.detail(world.lawyer, question.id)
    assert [e.kind for e in detail.question.events][-2:] == ["clarification_asked", "resident_replied"]
