"""The lawyers' list of equivalents and synonyms as stored (``legal_terms``): read for the search
index, changed by the lawyers (a term added or removed, the whole list replaced from CSV), written
out as CSV. Each change bumps what ``terms_version`` reads, so every process's index is rebuilt with
it; the caller marks this process's index stale and writes the audit log."""

import csv
import io
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput, NotFound
from handlers.legal.terms import COLUMNS, TermList, checked_term
from storage.models import LegalTerm


class TermAction(StrEnum):
    """How changes to the list are named in the audit log."""

    ADD = "term_add"
    REMOVE = "term_remove"
    IMPORT = "terms_import"
    EXPORT = "terms_export"


async def terms_version(session: AsyncSession) -> tuple:
    """Changes whenever a term is added, removed or the list replaced."""
    return tuple((await session.execute(sa.select(
        sa.func.count(), sa.func.max(LegalTerm.id), sa.func.max(LegalTerm.updated_at)))).one())


async def all_terms(session: AsyncSession) -> list[LegalTerm]:
    return list((await session.scalars(sa.select(LegalTerm).order_by(LegalTerm.concept, LegalTerm.term))).all())


async def load_terms(session: AsyncSession) -> TermList:
    return TermList([(t.concept, t.term) for t in await all_terms(session)])


async def export_terms_csv(session: AsyncSession) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows((t.concept, t.term) for t in await all_terms(session))
    return out.getvalue()


async def do_add_term(session: AsyncSession, concept: str, term: str, now: datetime, person_id: int) -> LegalTerm:
    """``BadTerms`` if the pair is not usable, ``InvalidInput`` if the concept has it already."""
    concept, term = checked_term(concept, term)
    if await session.scalar(sa.select(LegalTerm.id).where(LegalTerm.concept == concept, LegalTerm.term == term)):
        raise InvalidInput(f"{concept} already has the term {term!r}")
    added = LegalTerm(concept=concept, term=term, created_at=now, updated_at=now, changed_by_person_id=person_id)
    session.add(added)
    await session.flush()
    return added


async def do_remove_term(session: AsyncSession, term_id: int) -> LegalTerm:
    found = await session.get(LegalTerm, term_id)
    if found is None:
        raise NotFound(f"no legal term {term_id}")
    await session.delete(found)
    await session.flush()
    return found


async def do_replace_terms(session: AsyncSession, rows: list[tuple[str, str]], now: datetime, person_id: int) -> None:
    """The whole list becomes ``rows`` (already checked, see ``terms.read_terms_csv``)."""
    await session.execute(sa.delete(LegalTerm))
    session.add_all(LegalTerm(concept=concept, term=term, created_at=now, updated_at=now,
                              changed_by_person_id=person_id) for concept, term in rows)
    await session.flush()
