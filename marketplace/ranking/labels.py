"""The matching reasons in the reader's language. `matching/` writes each reason in Chinese and tags it with a
code and parameters (`matching.features.Reason`); pages render them through Babel with `reason_text`. A plain
string (a reason stored with an invitation) is shown as it was written."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.directory.labels import INDUSTRY_LABELS, SPECIALTY_LABELS
from marketplace.directory.models import Industry, Specialty
from marketplace.i18n import locale_name

NEAR_LABELS = {4: _l("同乡镇"), 3: _l("同县"), 2: _l("同市"), 1: _l("同省"), 0: _l("远程服务")}
GRADE_LABELS = {0: _l("不合格"), 1: _l("基本合格"), 2: _l("合格"), 3: _l("优秀")}  # matching's grade codes


def _specialty(bit: int) -> str:
    return str(SPECIALTY_LABELS[Specialty(bit)])


def _industry(bit: int) -> str:
    return str(INDUSTRY_LABELS[Industry(bit)])


def _price(value: float) -> str:
    return f"{value:,.0f}"


RENDER = {
    "specialty": lambda p: _("专长匹配：%(name)s", name=_specialty(p["category"])),
    "industry": lambda p: _("产业匹配：%(name)s", name=_industry(p["industry"])),
    "near": lambda p: str(NEAR_LABELS[p["level"]]),
    "near_km": lambda p: _("%(near)s，约 %(km)d 公里", near=NEAR_LABELS[p["level"]], km=p["km"]),
    "workload": lambda p: _("在办 %(open)d/%(capacity)d", open=p["open"], capacity=p["capacity"]),
    "satisfaction": lambda p: _("满意度 %(mean).1f（%(count)d 次）", mean=p["mean"], count=p["count"]),
    "acceptance": lambda p: _("接受邀请 %(rate)d%%", rate=p["rate"]),
    "grade": lambda p: _("最近评价：%(grade)s", grade=GRADE_LABELS[p["grade"]]),
    "price_within_budget": lambda p: _("报价在预算内"),
    "price_over_budget": lambda p: _("报价 %(price)s 元起，超出预算", price=_price(p["price"])),
    "price": lambda p: _("报价 %(price)s 元起", price=_price(p["price"])),
    "type_experience": lambda p: _("服务过同类主体"),
    "industry_experience": lambda p: _("有%(name)s服务经验", name=_industry(p["industry"])),
    "similar_work": lambda p: _("服务内容相近"),
    "covers": lambda p: str(COVER_LABELS[p["level"]]),
    "verdict_strong": lambda p: _("很合适"),
    "verdict_good": lambda p: _("合适"),
    "verdict_fair": lambda p: _("可以考虑"),
}
COVER_LABELS = {4: _l("服务范围覆盖本乡镇"), 3: _l("服务范围覆盖本县"), 2: _l("服务范围覆盖本市"),
                1: _l("服务范围覆盖本省")}
PATH_LABELS = {"shown": _l("匹配列表"), "interest": _l("辅导员表达意向"), "passon": _l("自动顺延"),
               "directory": _l("名录自选"), "offering": _l("购买服务产品"), "assignment": _l("直接指派"),
               "invitation": _l("其他邀请")}


def path_label(path: str) -> str:
    """How an outcome came about (training reports), in the reader's language."""
    return str(PATH_LABELS.get(path, path))


def stars(mean: float | None) -> str:
    """Five stars, filled to the rounded mean rating ("★★★★☆" for 4.2)."""
    if mean is None:
        return ""
    filled = max(0, min(5, round(float(mean))))
    return "★" * filled + "☆" * (5 - filled)


def reason_text(reason: str) -> str:
    """The reason in the current language (the library's Chinese text itself for zh or an untagged string)."""
    code = getattr(reason, "code", None)
    if code not in RENDER or (locale_name() or "zh_CN").startswith("zh"):
        return str(reason)
    try:
        return RENDER[code](reason.params)
    except (KeyError, ValueError):  # a parameter the labels do not know: the Chinese text is still right
        return str(reason)
