"""Marshmallow schemas shared by API areas."""

from marshmallow import Schema, fields


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=lambda n: n >= 1)
    per_page = fields.Integer(load_default=20, validate=lambda n: 1 <= n <= 100)


class PageMeta(Schema):
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()
    pages = fields.Integer()


def page_meta(page) -> dict:
    return {"page": page.page, "per_page": page.per_page, "total": page.total, "pages": page.pages}
