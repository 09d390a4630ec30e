"""The municipality's reply templates in the back office, for its administrator: add, edit, remove.

A template has one title (what staff pick it by, shown as typed on the Kyrgyz and the Russian page)
and its text in Kyrgyz and in Russian. Changes go through handlers/services/reply_templates.py,
with the setup pages' guard, audit and answers (setup_pages.run_change)."""

from aiohttp import web

from backoffice.web.setup_forms import FieldError, text
from backoffice.web.setup_pages import ID, PAGES, Doing, change_handler, page_handler
from handlers.i18n import N_
from handlers.services import reply_templates
from handlers.services.reply_templates import TEXT_LIMIT, TITLE_LIMIT

TEMPLATE_NEEDED = N_("Give a title (at most 200 characters) and the text in Kyrgyz and in Russian "
                     "(at most 4000 characters each).")


def _long_text(form, name: str) -> str:
    """The text as typed, its lines kept (only the line endings made uniform and the ends trimmed)."""
    return "\n".join(line.rstrip() for line in str(form.get(name, "")).replace("\r\n", "\n").split("\n")).strip()


def _fields(form) -> reply_templates.TemplateText:
    title, title_ru = text(form, "title", TITLE_LIMIT + 1), text(form, "title_ru", TITLE_LIMIT + 1)
    ky, ru = _long_text(form, "text_ky"), _long_text(form, "text_ru")
    if not (title and ky and ru and len(title) <= TITLE_LIMIT and len(title_ru) <= TITLE_LIMIT
            and len(ky) <= TEXT_LIMIT and len(ru) <= TEXT_LIMIT):
        raise FieldError(TEMPLATE_NEEDED)
    return reply_templates.TemplateText(title, title_ru or None, ky, ru)


async def _add(session, doing: Doing, form) -> str:
    await reply_templates.do_add_reply_template(session, doing.municipality.id, _fields(form))
    return "template"


async def _edit(session, doing: Doing, form, id: str) -> str:
    await reply_templates.do_edit_reply_template(session, doing.municipality.id, int(id), _fields(form))
    return "template"


async def _remove(session, doing: Doing, _form, id: str) -> str:
    await reply_templates.do_remove_reply_template(session, doing.municipality.id, int(id))
    return "removed"


def add_reply_template_routes(app: web.Application) -> None:
    app.router.add_get(PAGES["templates"][0], page_handler("templates"))
    for path, action, change in (("/setup/templates", "add_template", _add),
                                 (f"/setup/templates/{ID}", "edit_template", _edit),
                                 (f"/setup/templates/{ID}/remove", "remove_template", _remove)):
        app.router.add_post(path, change_handler("templates", action, change))
