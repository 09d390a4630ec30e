"""The first run: a service with no back-office account prints a one-time setup link.

The link opens the first-run page (backoffice/web/first_run.py), where the first person creates the
deployment's operator account and the first municipality. Each start without an account makes a
new link (the earlier one stops working); only its hash is stored; it expires after a day.
"""

import logging

import sqlalchemy as sa

from backoffice.web.office import FIRST_RUN_PATH
from handlers.services import codes
from storage.db import Database
from storage.enums import CodePurpose
from storage.models import StaffAccount
from storage.types import utcnow

log = logging.getLogger("kairyl")


async def offer_first_run(db: Database, base_url: str) -> str | None:
    """Prints (and logs) the setup link if nobody can log in yet; returns it."""
    async with db.transaction() as session:
        if await session.scalar(sa.select(StaffAccount.id).limit(1)) is not None:
            return None
        await codes.do_drop_codes(session, CodePurpose.FIRST_RUN)
        code = codes.do_make_code(session, CodePurpose.FIRST_RUN, utcnow())
    link = base_url + FIRST_RUN_PATH + code
    print(f"First run: open {link} to create the operator account and the first municipality "
          "(the link works once, for 24 hours).", flush=True)
    log.warning("first run: the one-time setup link is %s", link)
    return link
