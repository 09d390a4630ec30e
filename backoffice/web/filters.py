"""The request list's filters, read from the query string (bad values are dropped and named)."""

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar
from urllib.parse import urlencode

from multidict import MultiMapping

from handlers.staff.views import RequestFilters
from storage.enums import RequestSource, RequestStatus

MAX_TEXT_CHARS = 100
_Chosen = TypeVar("_Chosen", RequestStatus, RequestSource)
FIELDS = ("status", "category", "department", "quarter", "source", "overdue", "from", "to", "q")


@dataclass
class ReadFilters:
    filters: RequestFilters
    values: dict[str, str]
    """What the form shows again (only the values that were understood)."""
    rejected: list[str] = field(default_factory=list)
    """The names of the fields that could not be read."""

    def query(self, **changes: object) -> str:
        """The query string for these filters (e.g. another page or an export)."""
        params = {k: v for k, v in self.values.items() if v}
        params.update({k: str(v) for k, v in changes.items() if v is not None})
        return urlencode(params)


def read_filters(query: MultiMapping[str]) -> ReadFilters:
    values: dict[str, str] = {}
    rejected: list[str] = []

    def number(name: str) -> int | None:
        raw = query.get(name, "").strip()
        if not raw:
            return None
        if raw.isdigit() and len(raw) < 10:
            values[name] = raw
            return int(raw)
        rejected.append(name)
        return None

    def day(name: str) -> date | None:
        raw = query.get(name, "").strip()
        if not raw:
            return None
        try:
            parsed = date.fromisoformat(raw)
        except ValueError:
            rejected.append(name)
            return None
        values[name] = raw
        return parsed

    def one_of(name: str, values_of: type[_Chosen]) -> _Chosen | None:
        raw = query.get(name, "").strip()
        if not raw:
            return None
        if raw in {member.value for member in values_of}:
            values[name] = raw
            return values_of(raw)
        rejected.append(name)
        return None

    status = one_of("status", RequestStatus)
    source = one_of("source", RequestSource)
    overdue = query.get("overdue", "") in ("1", "on", "true")
    if overdue:
        values["overdue"] = "1"
    text = query.get("q", "").strip()[:MAX_TEXT_CHARS]
    if text:
        values["q"] = text
    most_affected = query.get("sort", "") == "affected"
    if most_affected:
        values["sort"] = "affected"
    filters = RequestFilters(status=status, category_id=number("category"), department_id=number("department"),
                             quarter_id=number("quarter"), overdue=overdue, created_from=day("from"),
                             created_to=day("to"), text=text or None, most_affected=most_affected,
                             source=source)
    return ReadFilters(filters, values, rejected)


def page_number(query: MultiMapping[str]) -> int:
    raw = query.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < len(raw) < 7 and int(raw) > 0 else 1
