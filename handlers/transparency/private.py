"""A request its author asked not to publish: marked here, left out of the page's lists, the API and
the open data (still counted in the figures). Provided to the requests' confirmation step."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import N_
from handlers.requests.privacy import PrivateSubmission
from handlers.transparency.models import PrivateRequest
from storage.models import Request


async def do_mark_private(session: AsyncSession, request: Request, now: datetime) -> None:
    session.add(PrivateRequest(request_id=request.id, marked_at=now))


def marked_private_ids() -> sa.Select[tuple[int]]:
    return sa.select(PrivateRequest.request_id)


PRIVATE_SUBMISSION = PrivateSubmission(
    label=N_("🔒 Send, not to be published"),
    notice=N_("It will not be shown on the municipality's public page, in its open data or to other apps."),
    do_mark=do_mark_private,
    marked_ids=marked_private_ids,
)
