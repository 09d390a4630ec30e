"""Legal questions in the web back office, over HTTP: a lawyer's queue, answering, publishing an
edited anonymised draft, the answer base with search, CSV export and import; a head reads only
the questions that are not confidential; department staff and another municipality's lawyer
see nothing (refusals logged)."""

import pytest
import sqlalchemy as sa
from aiohttp import FormData

from handlers.legal.questions import QuestionDraft, do_note_helped, do_submit_question
from handlers.services import setup
from storage.enums import AnswerStatus, AuditOutcome, Channel, Language, LegalTopic, Role
from storage.models import AuditEntry, LegalAnswer, Person
from storage.types import utcnow
from tests.backoffice_world import OfficeClient, add_staff, build_world, csrf_of, start_service
from tests.core_config import core_config

OPEN_TEXT = "Можно ли сдать пустующий склад айыл окмоту в аренду фермеру без аукциона? Звоните Иванову Сергею."
SECRET_TEXT = "Глава айыл окмоту не выплачивает мне отпускные третий месяц, как быть?"


@pytest.fixture
async def office(db_url):
    service, base = await start_service(db_url)
    await build_world(service.db)
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "lawyer.alm", Role.LAWYER, name="Бермет Юрист")
        await add_staff(session, "TKM", "lawyer.tkm", Role.LAWYER, name="Тимур Юрист")
        alm = await setup.municipality_by_code(session, "ALM")
        asker = Person(municipality_id=alm.id, language=Language.RU, consent_at=utcnow())
        session.add(asker)
        await session.flush()
        questions = []
        for text, secret in ((OPEN_TEXT, False), (SECRET_TEXT, True)):
            questions.append(await do_submit_question(
                session, core_config(), person=asker, channel=Channel.CONSOLE, language=Language.RU,
                draft=QuestionDraft(LegalTopic.PROPERTY, text, [], confidential=secret), now=utcnow()))
    clients = []

    def client() -> OfficeClient:
        clients.append(OfficeClient(base))
        return clients[-1]

    yield service, [q.id for q in questions], client
    for made in clients:
        await made.close()
    await service.stop()


async def test_a_lawyer_answers_and_publishes_an_edited_draft(office):
    service, (open_id, secret_id), client = office
    lawyer = client()
    assert (await lawyer.log_in("lawyer.alm"))[0] == 200
    status, page = await lawyer.get("/legal")
    assert status == 200 and f"Q-{open_id}" in page and f"Q-{secret_id}" in page
    status, page = await lawyer.get(f"/legal/{open_id}")
    assert status == 200 and "склад" in page and 'id="legal-answer"' in page
    assert "Совпавшие слова:" in page  # why each similar answer is listed
    csrf = csrf_of(page)
    status, page = await lawyer.post(f"/legal/{open_id}/answer", {"csrf": csrf, "text": ""})
    assert status == 400  # an empty answer is refused, nothing sent
    status, page = await lawyer.post(f"/legal/{open_id}/answer", {"csrf": csrf, "text": "Только через аукцион; "
                                                                  "Иванову Сергею скажите, что решает кенеш."})
    assert status == 200 and "done" in page
    await lawyer.post(f"/legal/{open_id}/publish", {"csrf": csrf})
    status, page = await lawyer.get(f"/legal/{open_id}")
    assert "[ФИО]" in page and "Иванову Сергею" not in page.split('id="legal-approve"')[1]
    status, page = await lawyer.post(f"/legal/{open_id}/approve", {
        "csrf": csrf, "question": "Можно ли сдать склад айыл окмоту в аренду без аукциона?",
        "answer": "Только через аукцион, по решению кенеша."})
    assert status == 200
    status, page = await lawyer.get("/legal/base?q=аренда+склада+без+аукциона")
    assert "Только через аукцион, по решению кенеша." in page
    async with service.db.reader() as session:
        published = (await session.scalars(sa.select(LegalAnswer).where(LegalAnswer.source_question_id == open_id))
                     ).one()
    assert published.status == AnswerStatus.PUBLISHED


def upload(csrf: str, text: str) -> FormData:
    form = FormData()
    form.add_field("csrf", csrf)
    form.add_field("file", text.encode(), filename="answers.csv", content_type="text/csv")
    return form


async def test_export_and_import_of_the_base(office):
    _service, _ids, client = office
    lawyer = client()
    await lawyer.log_in("lawyer.alm")
    status, body, content_type = await lawyer.get_bytes("/legal/base.csv")
    assert status == 200 and "text/csv" in content_type and "demo-labour-vacation-pay-ru" in body.decode("utf-8-sig")
    csrf = await lawyer.csrf("/legal/base")
    good = "key,topic,language,question,answer\nu1,budget,ru,Кто утверждает местный бюджет?,Айылный кенеш.\n"
    status, page = await lawyer.post("/legal/base/import", upload(csrf, good))
    assert status == 200 and "1" in page
    bad = "key,topic,language,question,answer\nu2,weather,ru,Вопрос?,Ответ\n"
    status, page = await lawyer.post("/legal/base/import", upload(csrf, bad))
    assert status == 400 and "line 2" in page


async def test_a_head_reads_only_what_is_not_confidential_and_others_see_nothing(office):
    service, (open_id, secret_id), client = office
    head = client()
    await head.log_in("head.alm")
    status, page = await head.get("/legal")
    assert status == 200 and f"Q-{open_id}" in page and f"Q-{secret_id}" not in page and "отпускные" not in page
    assert (await head.get(f"/legal/{secret_id}"))[0] == 403
    staff = client()
    await staff.log_in("water.alm")
    assert (await staff.get("/legal"))[0] == 403
    other = client()
    await other.log_in("lawyer.tkm")
    assert (await other.get(f"/legal/{secret_id}"))[0] == 404
    async with service.db.reader() as session:
        refused = (await session.scalars(sa.select(AuditEntry).where(
            AuditEntry.outcome == AuditOutcome.REFUSED, AuditEntry.object_type == "legal_question"))).all()
    assert [(e.object_id, e.detail["reason"]) for e in refused] == [(secret_id, "not visible")]


async def test_a_lawyer_sees_what_the_asker_was_shown_and_marks_it_wrong(office):
    service, _ids, client = office
    async with service.db.transaction() as session:
        shown = (await session.scalars(sa.select(LegalAnswer).where(
            LegalAnswer.key == "demo-property-lease-ru"))).one()
        asker = Person(municipality_id=(await setup.municipality_by_code(session, "ALM")).id, language=Language.RU,
                       consent_at=utcnow())
        session.add(asker)
        await session.flush()
        question = await do_submit_question(
            session, core_config(), person=asker, channel=Channel.CONSOLE, language=Language.RU,
            draft=QuestionDraft(LegalTopic.PROPERTY, "Можно ли сдать спортзал школы частному клубу на вечер?", [],
                                suggested=(shown.id,)), now=utcnow())
    lawyer = client()
    await lawyer.log_in("lawyer.alm")
    status, page = await lawyer.get(f"/legal/{question.id}")
    assert status == 200 and "Показано автору вопроса перед отправкой" in page and "Помог: 0" in page
    status, page = await lawyer.post(f"/legal/{question.id}/wrong", {"csrf": csrf_of(page), "answer_id": str(shown.id)})
    assert status == 200 and "Отмечено: этот ответ не ответил на вопрос" in page
    assert "отмечен как неверный: 1" in page and "Это не ответ на вопрос" not in page
    async with service.db.reader() as session:
        assert (await session.get(LegalAnswer, shown.id)).marked_wrong == 1


async def test_the_lawyers_figures(office):
    service, (open_id, _secret_id), client = office
    lawyer = client()
    await lawyer.log_in("lawyer.alm")
    status, page = await lawyer.get(f"/legal/{open_id}")
    await lawyer.post(f"/legal/{open_id}/answer", {"csrf": csrf_of(page), "text": "Только через аукцион."})
    async with service.db.transaction() as session:
        alm = await setup.municipality_by_code(session, "ALM")
        lease = (await session.scalars(sa.select(LegalAnswer).where(LegalAnswer.key == "demo-property-lease-ru"))).one()
        assert await do_note_helped(session, lease.id, municipality_id=alm.id, now=utcnow())
        lease.marked_wrong = 3
    status, page = await lawyer.get("/legal")
    assert "/legal/report" in page
    status, page = await lawyer.get("/legal/report")
    assert status == 200 and "Юридические вопросы: показатели" in page
    summary = page.split('id="legal-report-summary"')[1].split("</dl>")[0]
    assert "<dt>Задано вопросов</dt><dd>2</dd>" in summary and "<dt>Отвечено юристом</dt><dd>1</dd>" in summary
    assert "<dt>Отвечено из базы без юриста</dt><dd>1</dd>" in summary
    asked = page.split('id="legal-report-asked"')[1].split("</table>")[0]
    assert "Аламудунский" in asked and "Муниципальное имущество" in asked and "<td>2</td>" in asked
    assert "Как сдать муниципальное имущество в аренду?" in page.split('id="legal-report-marked"')[1]
    head = client()
    await head.log_in("head.alm")
    assert (await head.get("/legal/report"))[0] == 403
