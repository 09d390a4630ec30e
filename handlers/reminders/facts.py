"""What a reminder, an escalation or a digest says about a request, in a given language."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import format_date, gettext, pick
from handlers.services.requests import shorten
from storage.db import get_referenced
from storage.enums import Language
from storage.models import Category, Department, Person, Request

EXCERPT_CHARS = 200


@dataclass(frozen=True)
class RequestFacts:
    request: Request
    category: Category
    department: Department | None
    assignee: Person | None

    def values(self, language: Language) -> dict[str, str]:
        """The placeholders the texts share: ticket, category, department, due."""
        if self.department is None:
            department = gettext(language, "no department")
        else:
            department = pick(language, self.department.name_ky, self.department.name_ru)
        return {"ticket": self.request.ticket, "category": pick(language, self.category.name_ky, self.category.name_ru),
                "department": department, "due": format_date(self.request.due_date, language)}

    def assignee_line(self, language: Language) -> str:
        if self.assignee is None:
            return gettext(language, "Nobody has taken it yet.")
        name = self.assignee.display_name or self.assignee.phone or f"#{self.assignee.id}"
        return gettext(language, "Taken by: {name}.", name=name)

    @property
    def excerpt(self) -> str:
        return "«" + shorten(" ".join(self.request.description.split()), EXCERPT_CHARS) + "»"


async def facts_of(session: AsyncSession, request: Request) -> RequestFacts:
    category = await get_referenced(session, Category, request.category_id)
    department = await session.get(Department, request.department_id) if request.department_id else None
    assignee = await session.get(Person, request.assignee_person_id) if request.assignee_person_id else None
    return RequestFacts(request, category, department, assignee)
