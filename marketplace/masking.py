"""Masking personal data (resident ID numbers, phones) for display. Unmasked views are audited by callers."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """'13812345678' -> '138****5678'."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_id_number(number: str | None) -> str:
    """'11010519491231002X' -> '1101**********002X'."""
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
