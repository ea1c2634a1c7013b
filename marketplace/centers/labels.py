"""Chinese labels for the service centers' coded values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.centers.models import CenterStatus, DocumentKind, Establishment, OperatorType, SetupMode

OPERATOR_TYPE_LABELS = {
    OperatorType.FEDERATION: _l("农民合作社联合社"), OperatorType.ASSOCIATION: _l("农民合作社协会"),
    OperatorType.AGRI_SERVICE_COMPANY: _l("农业服务公司"), OperatorType.SOCIAL_ORGANIZATION: _l("社会组织"),
}
SETUP_MODE_LABELS = {SetupMode.NEW: _l("新建"), SetupMode.TAKEOVER: _l("挂牌承接")}
ESTABLISHMENT_LABELS = {
    Establishment.PURCHASE_OF_SERVICES: _l("购买服务"), Establishment.FILING: _l("备案管理"),
    Establishment.ENTRUSTED_PLATE: _l("挂牌委托"),
}
STATUS_LABELS = {
    CenterStatus.DRAFT: _l("草稿"), CenterStatus.SUBMITTED: _l("待审核"), CenterStatus.FILED: _l("已备案"),
    CenterStatus.RETURNED: _l("退回修改"), CenterStatus.WARNED: _l("警示"), CenterStatus.RECTIFYING: _l("整改中"),
    CenterStatus.DELISTED: _l("已摘牌"),
}
STATUS_COLORS = {
    CenterStatus.DRAFT: "secondary", CenterStatus.SUBMITTED: "info text-dark", CenterStatus.FILED: "success",
    CenterStatus.RETURNED: "warning text-dark", CenterStatus.WARNED: "warning text-dark",
    CenterStatus.RECTIFYING: "danger", CenterStatus.DELISTED: "dark",
}
DOCUMENT_LABELS = {
    DocumentKind.GUIDELINES: _l("工作指南"), DocumentKind.CONDUCT: _l("行为规范"), DocumentKind.PRICES: _l("价格公开"),
    DocumentKind.RECORDS: _l("服务记录追溯"),
}
# Events: registration and edits, then the filing actions (also the button labels).
EVENT_LABELS = {
    "register": _l("登记"), "update": _l("修改信息"), "upload": _l("上传制度文件"), "submit": _l("提交备案"),
    "file": _l("予以备案"), "return": _l("退回"), "warn": _l("警示"), "rectify": _l("责令整改"),
    "restore": _l("恢复正常"), "delist": _l("摘牌"),
}


def label(value, labels: dict) -> str:
    return str(labels[value]) if value in labels else ""
