"""Hostile input stopped at the door, the same way for pages and the API (docs/api-contract.md).

- Integer URL parts are bounded to the database's INTEGER (`<int:id>` at or above 2^31 is a 404, not a
  PostgreSQL "integer out of range"): one converter replaces Flask's `int` for every route, and the OpenAPI
  document states the bounds.
- A NUL character (which PostgreSQL refuses in text) in the path is a 404; in a query string, a form or a JSON
  body it is a 422 with the usual Chinese message, naming the field (`error.field`: the parameter, form
  field or JSON member, dotted for nested members, e.g. `items.0.name`).
- A JSON body nested deeper than `MAX_JSON_DEPTH` is a 422 (Python's parser would raise RecursionError).
- `db.paginate` bounds `page` and `per_page` (see `extensions.SQLAlchemy`).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # PostgreSQL INTEGER, the type of every id column
MAX_JSON_DEPTH = 32
NUL_MESSAGE = _l("输入含有不允许的控制字符")
DEPTH_MESSAGE = _l("请求体嵌套层数过多")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to 0..2^31-1 unless a route asks for other bounds."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class HostileInput(Exception):
    """Refused before any view runs; the error handlers answer 422 in the page's or the API's format."""

    status = 422
    code = "validation_error"

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def _field_name(name: str | None) -> str:
    """A field name as it can be shown back (a NUL in the name itself written as \\u0000)."""
    return (name or "").replace("\x00", "\\u0000") or "(empty)"


def _has_nul(value: Any) -> bool:
    return isinstance(value, str) and "\x00" in value


def _json_problem(data: bytes) -> tuple[str, str | None] | None:
    """Why the JSON body is refused here and the member concerned (dotted path; None for the whole body), or
    None (malformed JSON is left to the parser's 400)."""
    try:
        document = json.loads(data)
    except RecursionError:
        return str(DEPTH_MESSAGE), None
    except ValueError:
        return None
    stack: list[tuple[Any, int, str]] = [(document, 1, "")]
    while stack:  # iterative: the document may be nested as deep as the recursion limit allowed
        value, depth, path = stack.pop()
        if depth > MAX_JSON_DEPTH:
            return str(DEPTH_MESSAGE), path or None
        if isinstance(value, dict):
            for key in value:
                if _has_nul(key):
                    return str(NUL_MESSAGE), _join(path, _field_name(key))
            stack.extend((item, depth + 1, _join(path, key)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, depth + 1, _join(path, str(n))) for n, item in enumerate(value))
        elif _has_nul(value):
            return str(NUL_MESSAGE), path or "(body)"
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def refuse_hostile_input() -> None:
    if "\x00" in request.path:
        abort(404)
    for name, value in request.args.items(multi=True):
        if _has_nul(name) or _has_nul(value):
            raise HostileInput(str(NUL_MESSAGE), _field_name(name))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if _has_nul(name) or _has_nul(value):
                raise HostileInput(str(NUL_MESSAGE), _field_name(name))
        for name, upload in request.files.items(multi=True):
            if _has_nul(name) or _has_nul(upload.filename):
                raise HostileInput(str(NUL_MESSAGE), _field_name(name))
    elif request.is_json:
        problem = _json_problem(request.get_data(cache=True))
        if problem:
            raise HostileInput(*problem)


def init_hardening(app: Flask) -> None:
    """Before any blueprint is registered (rules bind their converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_hostile_input)
