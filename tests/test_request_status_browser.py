"""An impossible status change on a request page, in a real headless Chromium, in Kyrgyz: a closed
request offers no form that would move its status (take, resolve, reject…), and a form an attacker
points at such an action anyway (the internal-note form's target edited in the page) is refused
politely, in the visitor's language, and the status stays as it was."""

from playwright.async_api import Page

from storage.enums import Language, RequestStatus, Role
from storage.models import Request, RequestEvent
from tests.backoffice_world import add_request, add_staff
from tests.initiatives_world import rows
from tests.test_backoffice_browser import browser, log_in, office, press  # noqa: F401 (fixtures)

MOVING = ("take", "answer", "ask", "forward", "resolve", "reject", "extend")
"""The forms that need an open request."""


async def forge(page: Page, action: str, text: str = "") -> None:
    """Points the internal-note form (still offered on a closed request) at ``action`` and sends it."""
    await page.eval_on_selector("#form-note", """(form, [action, text]) => {
        form.action = form.action.replace(/\\/note$/, '/' + action);
        form.querySelector('textarea').value = text;
    }""", [action, text])
    await press(page, "#form-note button[type=submit]")


async def test_an_impossible_status_change_is_refused_and_the_status_stays(office, browser):  # noqa: F811
    service, _world, base = office
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "head.ky", Role.HEAD, name="Бакыт Асанов", language=Language.KY)
        resolved = await add_request(session, "ALM", "Көчөдө жарык жок")
        rejected = await add_request(session, "ALM", "Коңшунун ити үрөт", category="roads")
    page = await browser.new_page()
    await log_in(page, base, "head.ky")

    await page.goto(f"{base}/requests/{resolved.id}")
    await press(page, "#form-resolve button[type=submit]")  # resolved through the page, as staff do
    assert await page.inner_text(".done") == "Кайрылуу чечилди деп белгиленди."
    await page.goto(f"{base}/requests/{rejected.id}")
    await page.fill("#form-reject textarea[name=text]", "Бул айыл өкмөтүнүн милдети эмес.")
    await press(page, "#form-reject button[type=submit]")
    assert "четке кагылды" in (await page.inner_text(".done")).lower()

    for request, action, shown, wanted in ((resolved, "take", "Чечилди", "Каралууда"),
                                           (rejected, "resolve", "Четке кагылды", "Чечилди")):
        await page.goto(f"{base}/requests/{request.id}")
        offered = await page.eval_on_selector_all("form.action", "forms => forms.map(f => f.id)")
        assert not {f"form-{name}" for name in MOVING} & set(offered), offered  # nothing that moves it
        events_before = len(await rows(service.db, RequestEvent, request_id=request.id))
        await forge(page, action, "Кайра карап чыгалы")
        assert await page.inner_text(".error") == (
            f"Кайрылуу «{shown}» абалында: аны «{wanted}» абалына өткөрүүгө болбойт. Эч нерсе өзгөргөн жок.")
        assert shown in await page.inner_text("h1 .status")  # the page shows the status it still has
        [now] = await rows(service.db, Request, id=request.id)
        assert now.status == {resolved.id: RequestStatus.RESOLVED, rejected.id: RequestStatus.REJECTED}[request.id]
        assert len(await rows(service.db, RequestEvent, request_id=request.id)) == events_before

    await page.goto(f"{base}/requests/{resolved.id}")  # answering a closed request: refused the same way
    await forge(page, "answer", "Жооп")
    assert await page.inner_text(".error") == (
        "Кайрылуу жабылган («Чечилди»): аны менен муну эми жасоого болбойт. Эч нерсе өзгөргөн жок.")
    await page.close()
