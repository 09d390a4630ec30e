"""The hearing pages of the back office in a real headless Chromium: the head announces a hearing
(a date in the past is refused with the typed values kept), checks a registered resident in,
records the attendance, decides proposals (a rejection needs its reason; the author is told in
their language), reads the report (the share of women, the outcomes and their shares) and downloads
it as XLSX; a kvartalkom head only reads, and
another municipality's head gets no page."""

import io
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook

from handlers.initiatives.groups import do_request_join
from handlers.initiatives.proposals import do_submit_proposal
from handlers.initiatives.registrations import do_register
from storage.enums import Gender, Language, MembershipStatus, Role
from storage.models import (
    GroupMember,
    Hearing,
    InitiativeGroup,
    OutboxMessage,
    ParticipantProfile,
    Person,
    Proposal,
    RoleGrant,
)
from storage.types import utcnow
from tests.broadcast_world import add_residents, demo_quarters
from tests.initiatives_world import add_group, rows
from tests.test_backoffice_browser import browser, log_in, office, press  # noqa: F401 (fixtures)


async def residents_who_take_part(db, hearing_id: int) -> list[int]:
    """Two residents register (a woman in a group, a man speaking Kyrgyz) and each sends a proposal."""
    quarters = await demo_quarters(db)
    [aigul] = await add_residents(db, quarters, 1, address="console:aigul-{}", now=utcnow())
    [bakyt] = await add_residents(db, quarters, 1, address="console:bakyt-{}", language=Language.KY, now=utcnow())
    group = await add_group(db, "Жаштар демилгеси", None)
    async with db.transaction() as session:
        session.add(GroupMember(group_id=group, person_id=aigul, status=MembershipStatus.MEMBER, requested_at=utcnow()))
        session.add(ParticipantProfile(person_id=aigul, gender=Gender.FEMALE, asked_at=utcnow()))
        hearing = await session.get(Hearing, hearing_id)
        for person_id, text, language, group_id in ((aigul, "Освещение улицы Ленина", Language.RU, group),
                                                    (bakyt, "Мектепке автобус керек", Language.KY, None)):
            person = await session.get(Person, person_id)
            await do_register(session, hearing, person, utcnow())
            await do_submit_proposal(session, hearing=hearing, person=person, text=text, language=language,
                                     now=utcnow(), group_id=group_id)
    return [aigul, bakyt]


async def test_hearing_pages_in_the_browser(office, browser):  # noqa: F811
    service, _world, base = office
    page = await browser.new_page()
    await log_in(page, base, "head.alm")
    await press(page, "header nav >> text=Общественные слушания")
    assert await page.inner_text("h1") == "Общественные слушания"

    await page.select_option("select[name=kind]", "programme")
    await page.fill("input[name=title]", "ПСЭР 2027–2029")
    await page.fill("input[name=place]", "Дом культуры")
    await page.fill("textarea[name=agenda]", "Приоритеты развития <b>сёл</b>")
    await page.fill("input[name=starts_at]", "2020-05-01T10:00")  # in the past
    await press(page, "form.announce button[type=submit]")
    assert "должны быть в будущем" in await page.inner_text(".error")
    assert await page.input_value("input[name=title]") == "ПСЭР 2027–2029"  # nothing typed is lost
    starts = (utcnow() + timedelta(days=5)).astimezone(service.core.config.timezone)
    await page.fill("input[name=starts_at]", starts.strftime("%Y-%m-%dT10:00"))
    await press(page, "form.announce button[type=submit]")
    assert "Слушания объявлены" in await page.inner_text(".done")
    assert await page.inner_text("h1") == "ПСЭР 2027–2029"
    assert await page.inner_text(".facts .description") == "Приоритеты развития <b>сёл</b>"  # text, not markup
    [hearing] = await rows(service.db, Hearing)
    assert hearing.broadcast_id is not None and hearing.starts_at.astimezone(starts.tzinfo).hour == 10

    aigul, bakyt = await residents_who_take_part(service.db, hearing.id)
    await page.reload()
    assert await page.locator("ul.registered li").count() == 2
    assert await page.inner_text("#participants") == "0"
    await press(page, "ul.registered li:has-text('участник группы') button")  # check Aigul in
    assert await page.inner_text(".done") == "Приход жителя отмечен."
    assert [await page.inner_text(s) for s in ("#participants", "#women", "#from-groups")] == ["1", "1", "1"]

    await page.fill("input[name=total]", "83")
    await page.fill("input[name=women]", "90")  # more women than participants
    await press(page, "form.attendance button[type=submit]")
    assert "не может быть больше" in await page.inner_text(".error")
    assert await page.input_value("input[name=total]") == "83"  # the typed values are kept
    await page.fill("input[name=women]", "31")
    await page.fill("input[name=from_groups]", "11")
    await press(page, "form.attendance button[type=submit]")
    assert [await page.inner_text(s) for s in ("#participants", "#women", "#from-groups")] == ["83", "31", "11"]

    first, second = await rows(service.db, Proposal, hearing_id=hearing.id)
    await page.select_option(f"#proposal-{second.id} select[name=outcome]", "rejected")
    await press(page, f"#proposal-{second.id} button[type=submit]")  # a rejection without its reason
    assert "нужна причина" in await page.inner_text(".error")
    await page.select_option(f"#proposal-{second.id} select[name=outcome]", "rejected")
    await page.fill(f"#proposal-{second.id} input[name=note]", "Автобус уже заложен в бюджет района.")
    await press(page, f"#proposal-{second.id} button[type=submit]")
    assert "автору сообщено" in await page.inner_text(".done")
    await page.select_option(f"#proposal-{first.id} select[name=outcome]", "accepted")
    await press(page, f"#proposal-{first.id} button[type=submit]")
    assert "принято" in await page.inner_text(f"#proposal-{first.id} .outcome")
    async with service.db.reader() as session:
        told = (await session.scalars(sa.select(OutboxMessage.payload).where(
            OutboxMessage.address == "console:bakyt-0"))).all()
    assert any("кабыл алынган жок. Себеби: Автобус уже заложен" in p["text"] for p in told)  # in Kyrgyz

    await press(page, "text=Закрыть слушания")
    assert "закрыты" in await page.inner_text(".done")
    await press(page, "text=Общественные слушания >> nth=1")
    await press(page, "text=Отчёт: участники, женщины, группы, предложения")
    assert await page.inner_text("h1") == "Отчёт по слушаниям"
    figures = await page.locator("table.per-hearing tbody tr td .n").all_inner_texts()
    # participants, women, from groups, proposals, from groups, accepted, partly, not accepted, merged, undecided
    assert figures == ["83", "31", "11", "2", "1", "1", "0", "1", "0", "0"]
    shares = await page.locator("table.per-hearing tbody tr td .share").all_inner_texts()
    assert [share.replace("\xa0", " ") for share in shares] == ["37 %", "50 %", "0 %", "50 %", "0 %", "0 %"]
    assert (await page.locator("table.by-year tbody tr td").all_inner_texts())[:3] == [
        f"{starts.year} · Программа развития", "1", "83"]
    async with page.expect_download() as download_info:
        await page.click("text=Выгрузить в Excel (XLSX)")
    workbook = load_workbook(io.BytesIO(Path(await (await download_info.value).path()).read_bytes()))
    [row] = list(workbook["hearings"].iter_rows(min_row=2, values_only=True))
    assert row[1:] == ("ПСЭР 2027–2029", "Программа развития", 83, 31, 11, 2, 1, 2, 1, 1, 0, 1, 0, 0)
    await page.close()

    kvartalkom = await browser.new_page()  # reads, but has no forms
    await log_in(kvartalkom, base, "kvartal.alm")
    await kvartalkom.goto(f"{base}/hearings/{hearing.id}")
    assert await kvartalkom.inner_text("h1") == "ПСЭР 2027–2029"
    assert await kvartalkom.locator("form.attendance, form.outcome-form").count() == 0
    await kvartalkom.goto(f"{base}/hearings")
    assert await kvartalkom.locator("form.announce").count() == 0
    tokmok = await browser.new_page()  # another municipality's head typing the id in
    await log_in(tokmok, base, "head.tkm")
    response = await tokmok.goto(f"{base}/hearings/{hearing.id}")
    assert response.status == 404 and "ПСЭР" not in await tokmok.content()
    await kvartalkom.close()
    await tokmok.close()


async def test_groups_are_added_and_given_a_coordinator_in_the_browser(office, browser):  # noqa: F811
    service, _world, base = office
    page = await browser.new_page()
    await log_in(page, base, "head.alm")
    await press(page, "header nav >> text=Инициативные группы")
    await page.fill("input[name=name_ky]", "Аялдар кеңеши")
    await page.fill("input[name=name_ru]", "   ")
    await press(page, "form.new-group button[type=submit]")
    assert "на кыргызском и на русском" in await page.inner_text(".error")
    assert await page.input_value("input[name=name_ky]") == "Аялдар кеңеши"
    await page.fill("input[name=name_ru]", "Женсовет")
    await page.fill("textarea[name=purpose_ru]", "Питьевая вода и школьный транспорт")
    await press(page, "form.new-group button[type=submit]")
    assert "Группа добавлена" in await page.inner_text(".done")
    [group] = await rows(service.db, InitiativeGroup)
    assert group.coordinator_person_id is None and group.name_ru == "Женсовет"

    [asker] = await add_residents(service.db, await demo_quarters(service.db), 1, address="console:asker-{}",
                                  now=utcnow())
    async with service.db.transaction() as session:
        await do_request_join(session, await session.get(Person, asker), group.id, utcnow())
    await page.reload()
    await press(page, f"#group-{group.id} form button[type=submit]")
    assert "Координатор назначен" in await page.inner_text(".done")
    [member] = await rows(service.db, GroupMember, group_id=group.id)
    assert member.status == MembershipStatus.MEMBER
    [group] = await rows(service.db, InitiativeGroup)
    assert group.coordinator_person_id == asker
    assert [g.role for g in await rows(service.db, RoleGrant, person_id=asker)] == [Role.COORDINATOR]
    assert "1" in await page.inner_text(f"#group-{group.id}")

    kvartalkom = await browser.new_page()
    await log_in(kvartalkom, base, "kvartal.alm")
    await kvartalkom.goto(f"{base}/groups")
    assert await kvartalkom.locator(f"#group-{group.id}").count() == 1
    assert await kvartalkom.locator(f"form.new-group, #group-{group.id} form").count() == 0  # reads only
    await page.close()
    await kvartalkom.close()
