"""One set of input limits for what people write into needs and agreements: the pages' forms (WTForms), the
API's schemas (marshmallow) and the services that write (the last line, so neither door lets through what the
other refuses, and nothing reaches the database that its columns cannot hold).

`Text(max)` and `Number(min, max)` each give the validator of both libraries and the service's own check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import validate
from wtforms.validators import Length, NumberRange


@dataclass(frozen=True)
class Text:
    max: int

    def wtforms(self) -> Length:
        return Length(max=self.max, message=_l("不能超过 %(max)d 个字", max=self.max))

    def marshmallow(self, required: bool = False) -> validate.Length:
        return validate.Length(1 if required else None, self.max)

    def problem(self, value: str | None) -> str | None:
        if value and len(value) > self.max:
            return _("不能超过 %(max)d 个字", max=self.max)
        return None


@dataclass(frozen=True)
class Number:
    min: Decimal
    max: Decimal
    min_inclusive: bool = True

    def _message(self):
        if self.min_inclusive:
            return _l("应在 %(min)s 到 %(max)s 之间", min=_plain(self.min), max=_plain(self.max))
        return _l("应大于 %(min)s 且不超过 %(max)s", min=_plain(self.min), max=_plain(self.max))

    def wtforms(self) -> NumberRange:
        # WTForms' NumberRange is inclusive; an exclusive minimum is checked by the service (one message).
        return NumberRange(self.min, self.max, message=self._message())

    def marshmallow(self) -> validate.Range:
        return validate.Range(self.min, self.max, min_inclusive=self.min_inclusive)

    def problem(self, value: Decimal | None) -> str | None:
        if value is None:
            return None
        too_small = value < self.min if self.min_inclusive else value <= self.min
        return str(self._message()) if too_small or value > self.max else None


def _plain(value: Decimal) -> str:
    """1000000 rather than 1E+6 or 1000000.00 in messages."""
    return format(Decimal(value).normalize(), "f")


def problems(limits: dict, values: dict) -> dict[str, str]:
    """The message for each value outside its limit, by field name."""
    found = {}
    for name, limit in limits.items():
        message = limit.problem(values.get(name))
        if message:
            found[name] = message
    return found


# --- the limits -------------------------------------------------------------------------------------------------
# Money columns are Numeric(12, 2): at most 9,999,999,999.99. A total is quantity × unit price summed.
MONEY_MAX = Decimal("9999999999.99")

NEED = {
    "title": Text(120),
    "description": Text(4000),
    "budget": Number(Decimal(0), Decimal(100_000_000)),
}

AGREEMENT = {
    "title": Text(200),
    "entity_address": Text(200),
    "entity_representative": Text(64),
    "entity_phone": Text(20),
    "provider_address": Text(200),
    "provider_representative": Text(64),
    "provider_phone": Text(20),
    "liability": Text(4000),
    "dispute_resolution": Text(2000),
}

ITEM = {
    "name": Text(120),
    "unit": Text(32),
    "quality_standard": Text(2000),
    "acceptance_criterion": Text(2000),
    "quantity": Number(Decimal(0), Decimal(1_000_000), min_inclusive=False),
    "unit_price": Number(Decimal(0), Decimal(10_000_000)),
}

RECORD = {
    "content": Text(4000),
    "participants": Text(500),
    "place": Text(200),
}
