"""names: a reply template's Russian title (a «Кыргызча / Русский» title is split in two), and the
Russian genitive of a municipality's name («от Аламудунского айыл окмоту», column of 0011) filled
where it is missing and a rule can tell («…ский айыл окмоту»)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def genitive(name: str) -> str | None:
    """«Аламудунский айыл окмоту» → «Аламудунского айыл окмоту»; None where the rule does not apply."""
    first, _, rest = name.partition(" ")
    if rest and first.endswith(("ский", "цкий")):
        return first[:-2] + "ого " + rest
    return None


def upgrade() -> None:
    with op.batch_alter_table('reply_templates') as batch:
        batch.add_column(sa.Column('title_ru', sa.String(length=200), nullable=True))
    connection = op.get_bind()
    municipalities = sa.table('municipalities', sa.column('id', sa.Integer), sa.column('name_ru', sa.String),
                              sa.column('name_ru_genitive', sa.String))
    for row in connection.execute(sa.select(municipalities.c.id, municipalities.c.name_ru)
                                  .where(municipalities.c.name_ru_genitive.is_(None))).all():
        if (form := genitive(row.name_ru)) is not None:
            connection.execute(municipalities.update().where(municipalities.c.id == row.id)
                               .values(name_ru_genitive=form))
    templates = sa.table('reply_templates', sa.column('id', sa.Integer), sa.column('title', sa.String),
                         sa.column('title_ru', sa.String))
    for row in connection.execute(sa.select(templates.c.id, templates.c.title)).all():
        ky, separator, ru = row.title.partition(" / ")
        if separator and ky.strip() and ru.strip():
            connection.execute(templates.update().where(templates.c.id == row.id)
                               .values(title=ky.strip(), title_ru=ru.strip()))


def downgrade() -> None:
    with op.batch_alter_table('reply_templates') as batch:
        batch.drop_column('title_ru')
