# ruff: noqa: E501  (one template item per line reads best)
"""Typical service items per need category (the eight specialties), used to pre-fill a new agreement.

Each entry: (name, method, quantity, unit, quality standard, acceptance criterion, days to the deadline).
The texts are stored in the agreement as written, so they are plain Chinese strings and not translated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from marketplace.agreements.models import ServiceMethod
from marketplace.directory.models import Specialty
from marketplace.timeutil import local_today

M = ServiceMethod


@dataclass(frozen=True)
class ItemTemplate:
    name: str
    method: ServiceMethod
    quantity: Decimal
    unit: str
    quality_standard: str
    acceptance_criterion: str
    days: int


def _t(name, method, quantity, unit, standard, criterion, days) -> ItemTemplate:
    return ItemTemplate(name, method, Decimal(quantity), unit, standard, criterion, days)


TEMPLATES: dict[Specialty, list[ItemTemplate]] = {
    Specialty.ORGANIZATION: [
        _t("修订合作社章程", M.DOCUMENTS, 1, "份", "符合《农民专业合作社法》和示范章程", "章程经成员大会表决通过", 30),
        _t("规范成员大会、理事会议事规则", M.ON_SITE, 2, "次", "现场指导召开会议并形成会议记录", "会议记录齐全、签字完整", 45),
    ],
    Specialty.OPERATION: [
        _t("建立内部管理制度", M.DOCUMENTS, 1, "套", "生产记录、财务公开、盈余分配等制度齐全", "制度文本经理事会审议并上墙公开", 30),
        _t("生产经营记录辅导", M.ON_SITE, 2, "次", "指导建立生产记录台账", "连续一个月台账记录完整", 60),
    ],
    Specialty.FINANCE: [
        _t("建立会计账簿和成员账户", M.ON_SITE, 1, "套", "符合《农民专业合作社会计制度》", "账簿和成员账户设置完整、期初数据准确", 30),
        _t("财务人员培训", M.TRAINING, 1, "场", "不少于 4 学时，覆盖记账、报销和成员账户", "培训签到表和课件齐全，财务人员能独立记账", 30),
        _t("编制年度财务报告", M.DOCUMENTS, 1, "份", "报表勾稽关系正确", "报告经理事会审核通过", 60),
    ],
    Specialty.MARKETING: [
        _t("品牌与包装设计指导", M.REMOTE, 1, "项", "形成品牌定位和包装方案", "方案经合作社确认", 30),
        _t("电商渠道开通辅导", M.ON_SITE, 2, "次", "协助开通至少一个线上销售渠道", "店铺上线并完成首单", 45),
    ],
    Specialty.GREEN: [
        _t("绿色食品认证申报辅导", M.DOCUMENTS, 1, "套", "申报材料符合认证机构要求", "申报材料被受理", 60),
        _t("减肥减药技术培训", M.TRAINING, 1, "场", "不少于 20 名成员参加", "培训签到表和现场照片齐全", 30),
    ],
    Specialty.TECHNICAL: [
        _t("种植（养殖）技术现场指导", M.ON_SITE, 4, "次", "按生产关键期上门指导", "每次指导有记录并经主体签字", 90),
        _t("技术培训", M.TRAINING, 1, "场", "不少于 4 学时", "培训签到表和课件齐全", 30),
    ],
    Specialty.QUALITY: [
        _t("制定产品分级标准", M.DOCUMENTS, 1, "份", "参照相关国家或行业标准", "标准文本经合作社确认并执行", 45),
        _t("质量追溯体系建设指导", M.ON_SITE, 2, "次", "建立批次记录和追溯码", "抽查 3 个批次可完整追溯", 60),
    ],
    Specialty.CREDIT: [
        _t("信贷和保险政策辅导", M.ON_SITE, 1, "次", "讲解担保贷款和政策性农业保险", "主体确认已了解办理条件和流程", 15),
        _t("贷款申请材料准备", M.DOCUMENTS, 1, "套", "材料齐全、符合金融机构要求", "材料被金融机构受理", 30),
    ],
}


def items_for(category: int, start: date | None = None) -> list[dict]:
    """The template items of a need category as dicts ready for `AgreementItem(**...)`, deadlines counted
    from `start` (today by default)."""
    try:
        templates = TEMPLATES[Specialty(category)]
    except (ValueError, KeyError):
        return []
    start = start or local_today()
    return [{"name": t.name, "method": t.method, "quantity": t.quantity, "unit": t.unit, "unit_price": None,
             "quality_standard": t.quality_standard, "acceptance_criterion": t.acceptance_criterion,
             "deadline": start + timedelta(days=t.days)} for t in templates]
