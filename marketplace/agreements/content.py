"""The agreement's canonical content: what is signed, hashed and printed.

`canonical(agreement)` is a plain dict (parties, items, terms) and `canonical_json` its one serialisation
(sorted keys, no spaces, UTF-8). The SHA-256 of that JSON is what each signature records and what the PDF
prints; the PDF is drawn from the same dict, so what is printed is what was signed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal

from marketplace.agreements.models import Agreement

CONTENT_FORMAT = 1  # bump if the canonical form ever changes


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{Decimal(value):.2f}"


def quantity_text(value: Decimal) -> str:
    text = f"{Decimal(value):.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def item_amount(quantity: Decimal, unit_price: Decimal | None) -> Decimal | None:
    return None if unit_price is None else (Decimal(quantity) * Decimal(unit_price)).quantize(Decimal("0.01"))


def total_of(agreement: Agreement) -> Decimal | None:
    amounts = [item_amount(i.quantity, i.unit_price) for i in agreement.items]
    priced = [a for a in amounts if a is not None]
    return sum(priced, Decimal("0.00")) if priced else None


def canonical(agreement: Agreement) -> dict:
    a = agreement
    return {
        "format": CONTENT_FORMAT,
        "number": a.number,
        "version": a.version,
        "title": a.title,
        "entity": {"name": a.entity_name, "address": a.entity_address, "representative": a.entity_representative,
                   "phone": a.entity_phone, "credit_code": a.entity_credit_code},
        "provider": {"kind": a.provider_kind.value, "name": a.provider_name, "address": a.provider_address,
                     "representative": a.provider_representative, "phone": a.provider_phone,
                     "credit_code": a.provider_credit_code},
        "items": [{"position": i.position, "name": i.name, "method": i.method.value,
                   "quantity": quantity_text(i.quantity), "unit": i.unit, "unit_price": _money(i.unit_price),
                   "amount": _money(item_amount(i.quantity, i.unit_price)), "quality_standard": i.quality_standard,
                   "acceptance_criterion": i.acceptance_criterion, "deadline": _day(i.deadline)}
                  for i in sorted(a.items, key=lambda i: (i.position, i.id or 0))],
        "total_amount": _money(a.total_amount),
        "liability": a.liability,
        "dispute_resolution": a.dispute_resolution,
        "term_start": _day(a.term_start),
        "term_end": _day(a.term_end),
    }


def canonical_json(content: dict) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def content_hash(agreement: Agreement) -> str:
    """SHA-256 (hex) of the agreement's canonical content as it is now."""
    return hashlib.sha256(canonical_json(canonical(agreement))).hexdigest()
