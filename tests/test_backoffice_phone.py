"""The back office on a phone (390 px) and a desktop (1366 px), in Kyrgyz, in a real headless Chromium:
the request list shows ticket, status, category, quarter and due date without sideways scrolling, the
filters fold away, a request page offers the answer box as its first action; on the desktop no column
of the list is cut. Screenshots go to $KAIRYL_SCREENS (tests/screens.py) for a person to look at."""

import pytest

from storage.enums import Channel, Language, Role
from tests.backoffice_world import add_request, add_staff
from tests.screens import screenshot
from tests.test_backoffice_browser import browser, log_in, office, press  # noqa: F401 (the same fixtures)

LONG_TEXT = "Көчөдө суу түтүгү жарылып, үч күндөн бери суу жок. " * 6


async def requests_of(service, count: int = 6) -> list:
    async with service.db.transaction() as session:
        await add_staff(session, "ALM", "head.ky", Role.HEAD, name="Бакыт Асанов", language=Language.KY)
        return [await add_request(session, "ALM", f"{n}. {LONG_TEXT}", category=("water", "roads")[n % 2],
                                  quarter_no=n + 1, channel=Channel.TELEGRAM) for n in range(count)]


async def overflow(page, selector: str) -> list[int]:
    """How far each matching element's content sticks out sideways (0 where it fits)."""
    return await page.eval_on_selector_all(selector, "els => els.map(e => Math.max(0, e.scrollWidth - e.clientWidth))")


@pytest.mark.parametrize("width", [390])
async def test_on_a_phone_the_list_fits_the_filters_fold_and_the_answer_comes_first(office, browser, width):
    service, _world, base = office
    made = await requests_of(service)
    page = await browser.new_page(viewport={"width": width, "height": 844}, device_scale_factor=2, is_mobile=True)
    await log_in(page, base, "head.ky")
    await page.goto(base + "/requests")
    await screenshot(page, "list-390")
    rows = page.locator("table.requests tbody tr")
    assert await rows.count() == len(made)
    assert await overflow(page, "table.requests tbody tr") == [0] * len(made)
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    first = rows.first
    shown = await first.inner_text()
    for part in (made[-1].ticket, "Катталды", "2026-жылдын"):  # the newest first: ticket, status, due date
        assert part in shown, (part, shown)
    for cell in ("td.ticket", "td.state", "td.category", "td.quarter", "td.due"):
        assert await first.locator(cell).is_visible(), cell
    assert not await first.locator("td.preview").is_visible()
    assert not await page.locator("form.filters").is_visible()  # folded away
    await page.click("label.fold-label")
    assert await page.locator("form.filters select[name=status]").is_visible()
    await screenshot(page, "filters-390")

    await press(page, f"a:text('{made[0].ticket}')")
    await screenshot(page, "request-390")
    forms = await page.eval_on_selector_all("form.action", "forms => forms.map(f => f.id)")
    assert forms[0] == "form-answer", forms
    answer = page.locator("#form-answer")
    box, page_width = await answer.bounding_box(), await page.evaluate("document.documentElement.clientWidth")
    assert box is not None and box["width"] >= page_width * 0.9  # the whole width, not a quarter card
    assert await page.evaluate("document.documentElement.scrollWidth") <= width
    assert "(Telegram)" in await page.inner_text("dl.facts")  # the channel by its name, not «telegram»
    await page.goto(base + "/dashboard")
    await screenshot(page, "dashboard-390")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width


async def test_on_a_desktop_no_column_of_the_list_is_cut(office, browser):
    service, _world, base = office
    made = await requests_of(service)
    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    await log_in(page, base, "head.ky")
    await page.goto(base + "/requests")
    await screenshot(page, "list-1366")
    assert await overflow(page, ".table-wrap") == [0]
    assert await page.locator("table.requests thead th").count() == 10  # with «👥 residents affected»
    assert await page.locator("form.filters").is_visible()  # open on a desktop
    assert not await page.locator("label.fold-label").is_visible()
    await press(page, f"a:text('{made[0].ticket}')")
    await screenshot(page, "request-1366")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1366
    await page.goto(base + "/dashboard")
    await screenshot(page, "dashboard-1366")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 1366
