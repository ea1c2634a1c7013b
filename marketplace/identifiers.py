"""Checks for resident ID numbers (GB 11643) and mobile phones, with messages in Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources

from flask_babel import gettext as _

from marketplace.timeutil import local_today

PHONE = re.compile(r"^1[3-9]\d{9}$")
ID_FORMAT = re.compile(r"\d{17}[\dX]")


@dataclass
class IdCheck:
    number: str | None = None
    birth_date: date | None = None
    gender: str | None = None  # "male" / "female"
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def id_check_character(first17: str) -> str:
    """GB 11643: sum of digit × (2^(17−i) mod 11), then "10X98765432"[sum mod 11].

    For 17 ASCII digits in one call: read as a base-13 number they are Σ dᵢ·13^(16−i), and 13 ≡ 2 (mod 11),
    so twice that number is the weighted sum mod 11 (0.3 µs instead of 2.6 µs, once per row of an import)."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        return "10X98765432"[2 * int(first17, 13) % 11]
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


@lru_cache(maxsize=1)
def _known_region_codes() -> frozenset[str]:
    """Every six-digit code in python-stdnum's GB/T 2260 table, current or historic (ID numbers keep the
    code of the place and year they were issued)."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    codes, province = set(), ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split(" ", 1)[0]
            codes.add(province + "0000")
        else:
            codes.add(province + line.split()[0])
    return frozenset(codes)


def check_id_number(raw: str | None) -> IdCheck:
    """Format, birth date and check character; an unknown region code is only a warning (codes change).

    The arithmetic is done here (it runs for every row of a 30,000-row import); the region codes are
    python-stdnum's table.
    """
    value = (raw or "").strip().upper().replace(" ", "")
    if not value:
        return IdCheck(error=_("请填写身份证号码"))
    if not ID_FORMAT.fullmatch(value):
        return IdCheck(error=_("身份证号码应为 18 位，最后一位可为 X"))
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return IdCheck(error=_("身份证号码中的出生日期无效"))
    if birth > local_today() or birth.year < 1900:
        return IdCheck(error=_("身份证号码中的出生日期无效"))
    if id_check_character(value[:17]) != value[17]:
        return IdCheck(error=_("身份证号码校验位不正确"))
    checked = IdCheck(value, birth, _gender(value))
    if value[:6] not in _known_region_codes():
        checked.warnings.append(_("身份证号码的地区代码 %(code)s 不在现行区划表中，请核对", code=value[:6]))
    return checked


def _gender(value: str) -> str:
    return "male" if int(value[16]) % 2 else "female"


def normalize_phone(raw: str | None) -> str:
    return re.sub(r"[\s\-()（）]", "", str(raw or "")).removeprefix("+86")


def check_phone(raw: str | None) -> str | None:
    """The error message, or None when the phone is a valid mainland mobile number."""
    return None if PHONE.match(normalize_phone(raw)) else _("手机号码应为 11 位数字")
