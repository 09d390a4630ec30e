"""The hearing report and the outcomes form of the back office in a real headless Chromium, in Kyrgyz.

The report shows on the page (not only in the XLSX) the share of women among the participants (the
gender told in the optional profile; the others «not stated») and the outcomes of the proposals with
their shares, checked against the data the test made; on a phone (390 px) every figure is visible
without sideways scrolling, on a desktop (1366 px) no column is cut.

Staff record the outcomes of all proposals of a hearing on one form in one submit; each author is
told in their language; a missing outcome, another municipality's proposal id slipped into the form,
or someone without the role is refused (and audited) and nothing is saved."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from playwright.async_api import Page

from handlers.initiatives.proposals import do_submit_proposal
from handlers.services import setup
from storage.enums import Gender, HearingKind, HearingStatus, Language, ProposalOutcome, Role
from storage.models import (
    ChannelIdentity,
    Hearing,
    HearingRegistration,
    OutboxMessage,
    ParticipantProfile,
    Person,
    Proposal,
    Quarter,
)
from storage.types import utcnow
from tests.backoffice_world import add_staff, audit_entries
from tests.broadcast_world import add_residents, demo_quarters
from tests.initiatives_world import rows
from tests.screens import screenshot
from tests.test_backoffice_browser import browser, log_in, office, press  # noqa: F401 (fixtures)


@dataclass(frozen=True)
class Resident:
    name: str
    language: Language
    gender: Gender | None
    """None: never told (no profile, or the question was skipped)."""
    checked_in: bool


PEOPLE = (Resident("Айгүл", Language.RU, Gender.FEMALE, True), Resident("Салтанат", Language.KY, Gender.FEMALE, True),
          Resident("Бакыт", Language.KY, Gender.MALE, True), Resident("Нурбек", Language.KY, None, True),
          Resident("Жылдыз", Language.KY, Gender.FEMALE, False))  # registered, did not come: not counted
OUTCOMES = (ProposalOutcome.ACCEPTED, ProposalOutcome.ACCEPTED, ProposalOutcome.PARTLY, ProposalOutcome.REJECTED,
            ProposalOutcome.MERGED, None)


async def head_in_kyrgyz(db) -> None:
    async with db.transaction() as session:
        await add_staff(session, "ALM", "head.ky", Role.HEAD, name="Бакыт Асанов", language=Language.KY)


async def a_hearing(db, code: str, title: str, people: tuple[Resident, ...], texts: list[str], *,
                    closed: bool = True) -> tuple[int, list[int], list[int]]:
    """A hearing of the municipality ``code`` with its residents registered (and checked in as told)
    and one proposal each (round the residents), sent before it began; then it is held (and closed);
    returns the hearing's, people's and proposals' ids."""
    municipality_id = await _municipality(db, code)
    quarters = await demo_quarters(db) if code == "ALM" else await _quarters(db, municipality_id)
    now = utcnow()
    async with db.transaction() as session:
        hearing = Hearing(municipality_id=municipality_id, kind=HearingKind.BUDGET, title=title,
                          place="Айыл өкмөтү, чоң зал", agenda="Бюджет", starts_at=now + timedelta(hours=1),
                          status=HearingStatus.ANNOUNCED, created_at=now)
        session.add(hearing)
        await session.flush()
        hearing_id = hearing.id
    person_ids = []
    for n, resident in enumerate(people):
        [person_id] = await add_residents(db, quarters, 1, address=f"console:{code.lower()}-{n}-{{}}",
                                          language=resident.language, now=now)
        person_ids.append(person_id)
        async with db.transaction() as session:
            person = await session.get(Person, person_id)
            person.display_name, person.municipality_id = resident.name, municipality_id
            if resident.gender is not None:
                session.add(ParticipantProfile(person_id=person_id, gender=resident.gender, asked_at=now))
            session.add(HearingRegistration(hearing_id=hearing_id, person_id=person_id, registered_at=now,
                                            checked_in_at=now if resident.checked_in else None))
    proposal_ids = []
    async with db.transaction() as session:
        hearing = await session.get(Hearing, hearing_id)
        for n, text in enumerate(texts):
            person = await session.get(Person, person_ids[n % len(person_ids)])
            proposal = await do_submit_proposal(session, hearing=hearing, person=person, text=text,
                                                language=person.language, now=now)
            proposal_ids.append(proposal.id)
        hearing.starts_at = now - timedelta(hours=1)
        if closed:
            hearing.status, hearing.closed_at = HearingStatus.CLOSED, now
    return hearing_id, person_ids, proposal_ids


async def _municipality(db, code: str) -> int:
    async with db.reader() as session:
        return (await setup.municipality_by_code(session, code)).id


async def _quarters(db, municipality_id: int) -> list[int]:
    async with db.reader() as session:
        return list((await session.scalars(sa.select(Quarter.id).where(Quarter.municipality_id == municipality_id)
                                           .order_by(Quarter.id))).all())


async def decide_directly(db, proposal_ids: list[int]) -> None:
    """The outcomes of ``OUTCOMES``, written as the data of the report (the form is tested below)."""
    async with db.transaction() as session:
        for proposal_id, outcome in zip(proposal_ids, OUTCOMES, strict=True):
            proposal = await session.get(Proposal, proposal_id)
            proposal.outcome = outcome
            proposal.merged_into_id = proposal_ids[0] if outcome == ProposalOutcome.MERGED else None


def percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%"  # Kyrgyz writes the sign close


async def figure(page: Page, row: str, cell: str) -> tuple[str, str]:
    """A report cell's number and share, as shown."""
    locator = page.locator(f"{row} td.{cell}")
    share = locator.locator(".share")
    return (await locator.locator(".n").inner_text(),
            await share.inner_text() if await share.count() else "")


async def test_the_report_shows_women_and_outcomes_and_fits_a_phone(office, browser):  # noqa: F811
    service, _world, base = office
    await head_in_kyrgyz(service.db)
    texts = [f"{n}. Көчөгө жарык керек" for n in range(len(OUTCOMES))]
    hearing_id, _people, proposals = await a_hearing(service.db, "ALM", "Бюджет 2027", PEOPLE, texts)
    await decide_directly(service.db, proposals)
    await a_hearing(service.db, "TKM", "Токмоктун бюджети", PEOPLE[:2], ["Тротуар"] * 9)  # not Alamudun's

    came = [p for p in PEOPLE if p.checked_in]
    women = sum(p.gender == Gender.FEMALE for p in came)
    unstated = sum(p.gender is None for p in came)
    count = {outcome: OUTCOMES.count(outcome) for outcome in set(OUTCOMES)}
    expected = {
        "participants": (str(len(came)), ""), "women": (str(women), percent(women, len(came))),
        "proposals": (str(len(OUTCOMES)), ""),
        "accepted": (str(count[ProposalOutcome.ACCEPTED]), percent(count[ProposalOutcome.ACCEPTED], len(OUTCOMES))),
        "partly": (str(count[ProposalOutcome.PARTLY]), percent(count[ProposalOutcome.PARTLY], len(OUTCOMES))),
        "rejected": (str(count[ProposalOutcome.REJECTED]), percent(count[ProposalOutcome.REJECTED], len(OUTCOMES))),
        "merged": (str(count[ProposalOutcome.MERGED]), percent(count[ProposalOutcome.MERGED], len(OUTCOMES))),
        "undecided": (str(count[None]), percent(count[None], len(OUTCOMES))),
    }
    assert expected["women"] == ("2", "50%") and expected["accepted"] == ("2", "33%")  # the data as meant

    for width in (390, 1366):
        page = await browser.new_page(viewport={"width": width, "height": 844 if width == 390 else 900},
                                      device_scale_factor=2 if width == 390 else 1, is_mobile=width == 390)
        await log_in(page, base, "head.ky")
        await page.goto(f"{base}/hearings/report")
        assert await page.inner_text("h1") == "Угуулардын жыйынтыгы"
        await screenshot(page, f"hearing-report-{width}")
        row = f"#report-{hearing_id}"
        assert await page.locator("table.per-hearing tbody tr").count() == 1  # Tokmok's hearing is not here
        for cell, shown in expected.items():
            assert await figure(page, row, cell) == shown, cell
        assert f"жынысы көрсөтүлбөгөн: {unstated}" in await page.inner_text(f"{row} td.women")
        by_year = "table.by-year tbody tr"
        assert await figure(page, by_year, "women") == expected["women"]
        assert await figure(page, by_year, "rejected") == expected["rejected"]
        # every figure visible, nothing sticks out sideways: the page does not scroll to the side
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        for cell in expected:
            box = await page.locator(f"{row} td.{cell}").bounding_box()
            assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= width, (width, cell, box)
        if width == 390:  # one card per hearing, each figure under its name
            assert not await page.locator("table.per-hearing thead").is_visible()
            label = await page.eval_on_selector(f"{row} td.women", "td => getComputedStyle(td, '::before').content")
            assert label == '"Аялдар"', label
        else:
            assert await page.eval_on_selector_all(
                ".table-wrap", "els => els.map(e => e.scrollWidth - e.clientWidth)") == [0, 0]
        await page.close()


async def test_all_outcomes_of_a_hearing_on_one_form(office, browser):  # noqa: F811
    service, _world, base = office
    await head_in_kyrgyz(service.db)
    people = PEOPLE[:3]  # Айгүл writes in Russian, Салтанат and Бакыт in Kyrgyz
    hearing_id, person_ids, (first, second, third) = await a_hearing(
        service.db, "ALM", "Бюджет 2027", people,
        ["Ленин көчөсүнө жарык", "Мектепке автобус керек", "Ленин көчөсүн жарыктандыруу"])
    _tokmok, _, [foreign, *_] = await a_hearing(service.db, "TKM", "Токмоктун бюджети", PEOPLE[:1], ["Тротуар"])

    page = await browser.new_page()
    await log_in(page, base, "head.ky")
    await page.goto(f"{base}/hearings/{hearing_id}")
    await press(page, "a.outcomes-link")
    assert await page.inner_text("h1") == "Сунуштардын жыйынтыктары"
    assert await page.locator("fieldset.decision").count() == 3
    await screenshot(page, "hearing-outcomes-1280")
    await page.set_viewport_size({"width": 390, "height": 844})  # on a phone too: one column, no sideways scroll
    await screenshot(page, "hearing-outcomes-390")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    await page.set_viewport_size({"width": 1280, "height": 900})

    # one left without an outcome: nothing is saved, the form comes back as filled
    await page.select_option(f"select[name=outcome-{first}]", "accepted")
    await page.select_option(f"select[name=outcome-{second}]", "rejected")
    await page.fill(f"input[name=note-{second}]", "Автобус райондун бюджетинде бар.")
    await press(page, "form.outcomes button[type=submit]")
    assert await page.inner_text(".error") == (f"№{third} сунуштун жыйынтыгын тандаңыз. Эч нерсе сакталган жок, "
                                               "форма Сиз толтургандай калды.")
    assert await page.input_value(f"select[name=outcome-{first}]") == "accepted"
    assert await page.input_value(f"input[name=note-{second}]") == "Автобус райондун бюджетинде бар."
    assert [p.outcome for p in await rows(service.db, Proposal, hearing_id=hearing_id)] == [None] * 3

    # another municipality's proposal slipped into the form, as an attacker would: refused, nothing saved
    await page.select_option(f"select[name=outcome-{third}]", "merged")
    await page.select_option(f"select[name=merged_into-{third}]", str(first))
    await page.eval_on_selector("form.outcomes", """(form, id) => {
        for (const [name, value] of [['proposal', id], ['outcome-' + id, 'rejected'], ['note-' + id, 'x']]) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
        }
    }""", str(foreign))
    await press(page, "form.outcomes button[type=submit]")
    assert await page.inner_text(".error") == (f"№{foreign} сунуш бул угууга келип түшкөн сунуштардан эмес. "
                                               "Эч нерсе сакталган жок.")
    assert [p.outcome for p in await rows(service.db, Proposal, hearing_id=hearing_id)] == [None] * 3
    [untouched] = await rows(service.db, Proposal, id=foreign)
    assert untouched.outcome is None
    refused = [e for e in await audit_entries(service.db, "hearing.outcomes") if e.outcome.value == "refused"]
    assert [e.detail["reason"] for e in refused] == [f"proposal {third}: missing", f"proposal {foreign}: not_of_hearing"]

    # all three in one submit: each author is told in their language
    await page.goto(f"{base}/hearings/{hearing_id}/outcomes")
    await page.select_option(f"select[name=outcome-{first}]", "accepted")
    await page.select_option(f"select[name=outcome-{second}]", "rejected")
    await page.fill(f"input[name=note-{second}]", "Автобус райондун бюджетинде бар.")
    await page.select_option(f"select[name=outcome-{third}]", "merged")
    await page.select_option(f"select[name=merged_into-{third}]", str(first))
    await press(page, "form.outcomes button[type=submit]")
    assert "Жыйынтыктар сакталды" in await page.inner_text(".done")
    decided = await rows(service.db, Proposal, hearing_id=hearing_id)
    assert [(p.outcome, p.outcome_note, p.merged_into_id) for p in decided] == [
        (ProposalOutcome.ACCEPTED, None, None), (ProposalOutcome.REJECTED, "Автобус райондун бюджетинде бар.", None),
        (ProposalOutcome.MERGED, None, first)]
    told = await told_to(service.db, person_ids)
    assert len(told[person_ids[0]]) == 1 and "принято" in told[person_ids[0]][0]  # Айгүл wrote in Russian
    assert told[person_ids[1]] == [f"«Бюджет 2027» угуусуна берилген №{second} сунушуңуз кабыл алынган жок. "
                                   "Себеби: Автобус райондун бюджетинде бар."]
    assert len(told[person_ids[2]]) == 1 and f"№{first} сунуш менен бириктирилди" in told[person_ids[2]][0]

    # saved again unchanged: nobody is told twice
    await page.goto(f"{base}/hearings/{hearing_id}/outcomes")
    assert await page.input_value(f"select[name=outcome-{third}]") == "merged"
    await press(page, "form.outcomes button[type=submit]")
    assert "Жыйынтыктар сакталды" in await page.inner_text(".done")
    assert {k: len(v) for k, v in (await told_to(service.db, person_ids)).items()} == dict.fromkeys(person_ids, 1)
    await page.close()

    # a kvartalkom head reads but may not record: no form, and a forged one is refused and audited
    kvartalkom = await browser.new_page()
    await log_in(kvartalkom, base, "kvartal.alm")
    await kvartalkom.goto(f"{base}/hearings/{hearing_id}/outcomes")
    assert await kvartalkom.locator("form.outcomes").count() == 0
    await kvartalkom.eval_on_selector("input[name=csrf]", """(csrf, values) => {
        const form = document.createElement('form');
        form.method = 'post'; form.action = location.pathname; form.className = 'forged';
        for (const [name, value] of [['csrf', csrf.value], ...values]) {
            const input = document.createElement('input');
            input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
        }
        const button = document.createElement('button'); button.type = 'submit'; form.appendChild(button);
        document.body.appendChild(form);
    }""", [["proposal", str(second)], [f"outcome-{second}", "accepted"]])
    await press(kvartalkom, "form.forged button")
    assert await kvartalkom.inner_text(".error") == "Ваша роль не позволяет это действие. Попытка записана."
    [second_now] = await rows(service.db, Proposal, id=second)
    assert second_now.outcome == ProposalOutcome.REJECTED
    last = (await audit_entries(service.db, "hearing.outcomes"))[-1]
    assert last.outcome.value == "refused" and last.detail == {"reason": "no role for the action"}
    await kvartalkom.close()


async def told_to(db, person_ids: list[int]) -> dict[int, list[str]]:
    """The texts waiting in the outbox for each person, oldest first."""
    async with db.reader() as session:
        found = (await session.execute(
            sa.select(ChannelIdentity.person_id, OutboxMessage.payload)
            .join(ChannelIdentity, ChannelIdentity.address == OutboxMessage.address)
            .where(ChannelIdentity.person_id.in_(person_ids)).order_by(OutboxMessage.id))).all()
    told: dict[int, list[str]] = {person_id: [] for person_id in person_ids}
    for person_id, payload in found:
        told[person_id].append(payload["text"])
    return told
