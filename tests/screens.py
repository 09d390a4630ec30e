"""Screenshots of the back office for a person to look at: into $KAIRYL_SCREENS (default
/tmp/kairyl-screens), one PNG per page and width, the whole page."""

import os
from pathlib import Path

from playwright.async_api import Page


def screens_dir() -> Path:
    folder = Path(os.environ.get("KAIRYL_SCREENS") or "/tmp/kairyl-screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def screenshot(page: Page, name: str) -> Path:
    path = screens_dir() / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path
