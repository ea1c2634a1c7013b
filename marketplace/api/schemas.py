"""Marshmallow schemas and field types shared by API areas (docs/api-contract.md)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import INCLUDE, Schema, fields, validate

from marketplace.extensions import MAX_PAGE, MAX_PER_PAGE
from marketplace.hardening import INT_MAX

INT_MIN = -(2**31)
# Money, prices, areas: NUMERIC(12, 2), never negative. Quantities: NUMERIC(10, 2), above zero.
AMOUNT_PATTERN = r"^(0|[1-9]\d{0,9})(\.\d{1,2})?$"
QUANTITY_PATTERN = r"^([1-9]\d{0,7}(\.\d{1,2})?|0\.(0[1-9]|[1-9]\d?))$"


class Int(fields.Integer):
    """An integer that fits PostgreSQL's INTEGER (the type of every id, code and count column): a larger one is
    refused with 422 before it reaches the database, and the document states the bounds."""

    def __init__(self, *, validate: object = None, **kwargs) -> None:
        validators = [] if validate is None else list(validate) if isinstance(validate, list | tuple) else [validate]
        super().__init__(validate=[*validators, _int_range], **kwargs)

    def _validated(self, value):
        # A JSON number with a fraction (2.5) is not an integer; marshmallow would truncate it.
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


_int_range = validate.Range(INT_MIN, INT_MAX)


class DecimalText(fields.Decimal):
    """A decimal as the API returns it: a string such as "1500.00" (a JSON number would lose cents in many
    clients). Accepted only as such a string; documented with its pattern."""

    default_error_messages = {"invalid": "应为数字文本（如 \"1500.00\"），最多两位小数"}

    def __init__(self, pattern: str = AMOUNT_PATTERN, **kwargs) -> None:
        self.pattern = re.compile(pattern)
        metadata = {"type": "string", "pattern": pattern, **kwargs.pop("metadata", {})}
        super().__init__(as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not self.pattern.match(value):
            raise self.make_error("invalid")
        try:
            return Decimal(value)
        except InvalidOperation as error:
            raise self.make_error("invalid") from error


class ErrorBody(Schema):
    class Meta:
        unknown = INCLUDE  # some errors carry more (e.g. the current version on a conflict)

    code = fields.String(required=True, metadata={"description": "机器可读的错误代码，如 not_found"})
    message = fields.String(required=True, metadata={"description": "给人看的中文说明"})
    field = fields.String(metadata={"description": "被拒绝的字段（如有）"})
    fields_ = fields.Dict(data_key="fields", metadata={"description": "各字段的中文错误信息"})


class ErrorEnvelope(Schema):
    """Every error answer: `{"error": {"code", "message", ...}}`."""

    error = fields.Nested(ErrorBody, required=True)


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=20, validate=validate.Range(1, MAX_PER_PAGE))


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def page_meta(page) -> dict:
    return {"page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}
