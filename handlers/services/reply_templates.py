"""A municipality's reply templates (ready answers staff start from, in Kyrgyz and Russian), kept by
its administrator: every id is looked up within the municipality."""

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput
from handlers.services.setup_changes import scoped
from storage.models import ReplyTemplate

TITLE_LIMIT = 200
TEXT_LIMIT = 4000


def _check(title: str, text_ky: str, text_ru: str) -> None:
    if not (0 < len(title) <= TITLE_LIMIT and 0 < len(text_ky) <= TEXT_LIMIT and 0 < len(text_ru) <= TEXT_LIMIT):
        raise InvalidInput(f"a title (at most {TITLE_LIMIT}) and a text in each language (at most {TEXT_LIMIT})")


async def reply_templates(session: AsyncSession, municipality_id: int) -> list[ReplyTemplate]:
    query = sa.select(ReplyTemplate).where(ReplyTemplate.municipality_id == municipality_id)
    return list((await session.scalars(query.order_by(ReplyTemplate.title, ReplyTemplate.id))).all())


async def do_add_reply_template(session: AsyncSession, municipality_id: int, title: str, text_ky: str,
                                text_ru: str) -> ReplyTemplate:
    _check(title, text_ky, text_ru)
    template = ReplyTemplate(municipality_id=municipality_id, title=title, text_ky=text_ky, text_ru=text_ru)
    session.add(template)
    await session.flush()
    return template


async def do_edit_reply_template(session: AsyncSession, municipality_id: int, template_id: int, title: str,
                                 text_ky: str, text_ru: str) -> None:
    template = await scoped(session, ReplyTemplate, municipality_id, template_id)
    _check(title, text_ky, text_ru)
    template.title, template.text_ky, template.text_ru = title, text_ky, text_ru


async def do_remove_reply_template(session: AsyncSession, municipality_id: int, template_id: int) -> None:
    await session.delete(await scoped(session, ReplyTemplate, municipality_id, template_id))
