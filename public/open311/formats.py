"""GeoReport v2's two formats: JSON (lists are bare arrays) and XML (a root element named for the
resource, one child per item, declared UTF-8). Errors are the specification's error array with a
real 4xx status."""

import json
from collections.abc import Mapping, Sequence
from typing import Any
from xml.etree import ElementTree

from aiohttp import web

FORMATS = {"json": "application/json", "xml": "text/xml"}
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
Record = Mapping[str, Any]
"""One item: names to values (``None``, text, numbers, booleans, or a list of texts or of records)."""


class Open311Error(Exception):
    """Answered as ``[{"code": status, "description": …}]`` with that HTTP status."""

    def __init__(self, status: int, description: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = dict(headers or {})


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(parent: ElementTree.Element, record: Record, item_names: Mapping[str, str]) -> None:
    for name, value in record.items():
        child = ElementTree.SubElement(parent, name)
        if isinstance(value, list):
            for item in value:
                element = ElementTree.SubElement(child, item_names.get(name, "item"))
                if isinstance(item, Mapping):
                    _fill(element, item, item_names)
                else:
                    element.text = _text(item)
        elif isinstance(value, Mapping):
            _fill(child, value, item_names)
        elif value is not None:
            child.text = _text(value)


def xml_document(root: str, item: str | None, body: Record | Sequence[Record],
                 item_names: Mapping[str, str] | None = None) -> str:
    """``<root><item>…</item>…</root>`` for a list (``item`` names its elements), ``<root>…</root>`` for one record."""
    element = ElementTree.Element(root)
    if item is None:
        assert isinstance(body, Mapping)
        _fill(element, body, item_names or {})
    else:
        for record in body:
            _fill(ElementTree.SubElement(element, item), record, item_names or {})
    return XML_DECLARATION + ElementTree.tostring(element, encoding="unicode")


def answer(fmt: str, root: str, item: str | None, body: Record | Sequence[Record], *, status: int = 200,
           item_names: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None) -> web.Response:
    if fmt == "xml":
        text = xml_document(root, item, body, item_names)
    else:
        text = json.dumps(body, ensure_ascii=False)
    return web.Response(text=text, status=status, content_type=FORMATS[fmt], charset="utf-8", headers=headers)


def error_answer(fmt: str, error: Open311Error) -> web.Response:
    body = [{"code": error.status, "description": error.description}]
    return answer(fmt if fmt in FORMATS else "json", "errors", "error", body, status=error.status,
                  headers=error.headers)
