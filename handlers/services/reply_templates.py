"""A municipality's reply templates (ready answers staff start from, in Kyrgyz and Russian), kept by
its administrator: every id is looked up within the municipality."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import InvalidInput
from handlers.services.setup_changes import scoped
from storage.models import ReplyTemplate

TITLE_LIMIT = 200
TEXT_LIMIT = 4000


@dataclass(frozen=True)
class TemplateText:
    title: str
    """The title staff pick it by in Kyrgyz (or the only one)."""
    title_ru: str | None
    """The title on Russian pages; ``title`` where it is missing."""
    text_ky: str
    text_ru: str


def _check(text: TemplateText) -> None:
    if not (0 < len(text.title) <= TITLE_LIMIT and len(text.title_ru or "") <= TITLE_LIMIT
            and 0 < len(text.text_ky) <= TEXT_LIMIT and 0 < len(text.text_ru) <= TEXT_LIMIT):
        raise InvalidInput(f"a title (at most {TITLE_LIMIT}) and a text in each language (at most {TEXT_LIMIT})")


async def reply_templates(session: AsyncSession, municipality_id: int) -> list[ReplyTemplate]:
    query = sa.select(ReplyTemplate).where(ReplyTemplate.municipality_id == municipality_id)
    return list((await session.scalars(query.order_by(ReplyTemplate.title, ReplyTemplate.id))).all())


async def do_add_reply_template(session: AsyncSession, municipality_id: int, text: TemplateText) -> ReplyTemplate:
    _check(text)
    template = ReplyTemplate(municipality_id=municipality_id, title=text.title, title_ru=text.title_ru,
                             text_ky=text.text_ky, text_ru=text.text_ru)
    session.add(template)
    await session.flush()
    return template


async def do_edit_reply_template(session: AsyncSession, municipality_id: int, template_id: int,
                                 text: TemplateText) -> None:
    template = await scoped(session, ReplyTemplate, municipality_id, template_id)
    _check(text)
    template.title, template.title_ru = text.title, text.title_ru
    template.text_ky, template.text_ru = text.text_ky, text.text_ru


async def do_remove_reply_template(session: AsyncSession, municipality_id: int, template_id: int) -> None:
    await session.delete(await scoped(session, ReplyTemplate, municipality_id, template_id))
