"""legal terms: the lawyers' list of Kyrgyz/Russian equivalents and synonyms moves into the database
(the lawyers edit it in the back office), seeded from handlers/legal/terms.csv as it is at this revision

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import csv
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import op

import storage.types

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

SEED = Path(__file__).resolve().parents[3] / "handlers" / "legal" / "terms.csv"


def seed_rows() -> list[dict]:
    """The file's rows (``concept,term``), stripped, without empty or repeated ones."""
    now = datetime.now(UTC)
    seen: set[tuple[str, str]] = set()
    with SEED.open(encoding="utf-8-sig", newline="") as file:
        for row in csv.DictReader(file):
            pair = ((row.get("concept") or "").strip(), (row.get("term") or "").strip())
            if all(pair):
                seen.add(pair)
    return [{"concept": c, "term": t, "created_at": now, "updated_at": now} for c, t in sorted(seen)]


def upgrade() -> None:
    terms = op.create_table('legal_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('concept', sa.String(length=60), nullable=False),
    sa.Column('term', sa.String(length=200), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_person_id'], ['people.id'], name=op.f('fk_legal_terms_changed_by_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_terms')),
    sa.UniqueConstraint('concept', 'term', name=op.f('uq_legal_terms_concept_term'))
    )
    op.bulk_insert(terms, seed_rows())


def downgrade() -> None:
    op.drop_table('legal_terms')
