"""Sending a request that is not to be published: offered at the confirmation when a feature that
publishes requests provides a ``PrivateSubmission`` (transparency does: its page, API and open data
leave such a request out). «The same problem» never offers such a request to another resident."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Request


@dataclass(frozen=True)
class PrivateSubmission:
    label: str
    """The option's English source text, translated in the providing feature's catalog (``N_``)."""
    notice: str
    """Said after the request is registered privately (``N_``)."""
    do_mark: Callable[[AsyncSession, Request, datetime], Awaitable[None]]
    marked_ids: Callable[[], sa.Select[tuple[int]]]
    """The ids of the requests marked private (a subquery): never offered as «the same problem»."""
