"""Checks for resident ID numbers (GB 11643) and mobile phones, with messages in Chinese."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

PHONE = re.compile(r"^1[3-9]\d{9}$")


@dataclass
class IdCheck:
    number: str | None = None
    birth_date: date | None = None
    gender: str | None = None  # "male" / "female"
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def check_id_number(raw: str | None) -> IdCheck:
    """Format, birth date and check character; an unknown region code is only a warning (codes change)."""
    value = (raw or "").strip().upper().replace(" ", "")
    if not value:
        return IdCheck(error=_("请填写身份证号码"))
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return IdCheck(error=_("身份证号码应为 18 位，最后一位可为 X"))
    try:
        ric.validate(value)
    except InvalidChecksum:
        return IdCheck(error=_("身份证号码校验位不正确"))
    except InvalidComponent:
        try:
            birth = ric.get_birth_date(value)
        except ValidationError:
            return IdCheck(error=_("身份证号码中的出生日期无效"))
        if birth > date.today():
            return IdCheck(error=_("身份证号码中的出生日期无效"))
        checked = IdCheck(value, birth, _gender(value))
        checked.warnings.append(_("身份证号码的地区代码 %(code)s 不在现行区划表中，请核对", code=value[:6]))
        return checked
    except (InvalidFormat, InvalidLength, ValidationError):
        return IdCheck(error=_("身份证号码格式不正确"))
    birth = ric.get_birth_date(value)
    if birth > date.today() or birth.year < 1900:
        return IdCheck(error=_("身份证号码中的出生日期无效"))
    return IdCheck(value, birth, _gender(value))


def _gender(value: str) -> str:
    return "male" if int(value[16]) % 2 else "female"


def normalize_phone(raw: str | None) -> str:
    return re.sub(r"[\s\-()（）]", "", str(raw or "")).removeprefix("+86")


def check_phone(raw: str | None) -> str | None:
    """The error message, or None when the phone is a valid mainland mobile number."""
    return None if PHONE.match(normalize_phone(raw)) else _("手机号码应为 11 位数字")
