"""Chinese labels for agreements, items, signatures and service records."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.agreements.models import AgreementStatus, ItemResult, Party, ProviderKind, RecordKind, ServiceMethod

A = AgreementStatus
STATUS_LABELS = {
    A.DRAFT: _l("草拟中"), A.PROPOSED: _l("待签署"), A.SIGNED: _l("已签署"), A.IN_SERVICE: _l("服务中"),
    A.SUBMITTED: _l("待验收"), A.ACCEPTED: _l("已验收"), A.CLOSED: _l("已完结"), A.TERMINATED: _l("违约终止"),
    A.CANCELLED: _l("已取消"), A.DISPUTED: _l("争议处理中"),
}
STATUS_COLORS = {
    A.DRAFT: "light text-dark", A.PROPOSED: "primary", A.SIGNED: "info text-dark", A.IN_SERVICE: "info text-dark",
    A.SUBMITTED: "warning text-dark", A.ACCEPTED: "success", A.CLOSED: "secondary", A.TERMINATED: "danger",
    A.CANCELLED: "dark", A.DISPUTED: "danger",
}
PROVIDER_LABELS = {ProviderKind.COUNSELOR: _l("辅导员"), ProviderKind.CENTER: _l("服务中心")}
PARTY_LABELS = {Party.ENTITY: _l("甲方（服务对象）"), Party.PROVIDER: _l("乙方（服务方）")}
METHOD_LABELS = {
    ServiceMethod.ON_SITE: _l("上门服务"), ServiceMethod.REMOTE: _l("远程指导"), ServiceMethod.TRAINING: _l("培训"),
    ServiceMethod.DOCUMENTS: _l("文书材料"), ServiceMethod.OTHER: _l("其他"),
}
RESULT_LABELS = {ItemResult.PENDING: _l("待验收"), ItemResult.PASSED: _l("合格"), ItemResult.FAILED: _l("不合格")}
RESULT_COLORS = {ItemResult.PENDING: "light text-dark", ItemResult.PASSED: "success", ItemResult.FAILED: "danger"}
RECORD_KIND_LABELS = {
    RecordKind.VISIT: _l("上门走访"), RecordKind.TRAINING: _l("培训"), RecordKind.REMOTE: _l("远程指导"),
    RecordKind.DOCUMENTS: _l("文书材料"), RecordKind.OTHER: _l("其他"),
}
# What each action is called on buttons and in the history.
ACTION_LABELS = {
    "create": _l("拟定协议"), "update": _l("修改协议"), "revise": _l("修改后退回草拟"), "propose": _l("提交对方签署"),
    "sign": _l("签署"),
    "void": _l("内容变更，签名作废"), "start": _l("开始服务"), "submit": _l("申请验收"), "accept": _l("验收通过"),
    "request_changes": _l("要求整改"), "close": _l("完结"), "terminate": _l("违约终止"), "cancel": _l("取消协议"),
    "dispute": _l("提出争议"), "mediate": _l("调解结案"), "remind": _l("验收提醒"), "escalate": _l("验收超时上报"),
    "record": _l("服务记录"),
}
SATISFACTION_LABELS = {1: _l("很不满意"), 2: _l("不满意"), 3: _l("一般"), 4: _l("满意"), 5: _l("很满意")}
