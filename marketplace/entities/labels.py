"""Chinese labels for the entities' coded values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.entities.models import ClaimStatus, EntityType, ModelLevel, VerificationStatus

TYPE_LABELS = {
    EntityType.COOPERATIVE: _l("农民专业合作社"), EntityType.FEDERATION: _l("农民专业合作社联合社"),
    EntityType.FAMILY_FARM: _l("家庭农场"),
}
MODEL_LEVEL_LABELS = {
    ModelLevel.NONE: _l("无"), ModelLevel.NATIONAL: _l("国家级示范"), ModelLevel.PROVINCE: _l("省级示范"),
    ModelLevel.CITY: _l("市级示范"), ModelLevel.COUNTY: _l("县级示范"),
}
VERIFICATION_LABELS = {
    VerificationStatus.UNVERIFIED: _l("待核实"), VerificationStatus.VERIFIED: _l("已核实"),
    VerificationStatus.NEEDS_CORRECTION: _l("需更正"),
}
VERIFICATION_COLORS = {
    VerificationStatus.UNVERIFIED: "secondary", VerificationStatus.VERIFIED: "success",
    VerificationStatus.NEEDS_CORRECTION: "warning text-dark",
}


def model_level_label(entity_type: EntityType, level: ModelLevel) -> str:
    """示范社 for cooperatives and federations, 示范家庭农场 for family farms."""
    if level is ModelLevel.NONE:
        return str(MODEL_LEVEL_LABELS[level])
    suffix = _l("家庭农场") if entity_type is EntityType.FAMILY_FARM else _l("社")
    return f"{MODEL_LEVEL_LABELS[level]}{suffix}"

CLAIM_STATUS_LABELS = {
    ClaimStatus.PENDING: _l("待审核"), ClaimStatus.APPROVED: _l("已通过"), ClaimStatus.REJECTED: _l("未通过"),
    ClaimStatus.WITHDRAWN: _l("已撤回"),
}
CLAIM_STATUS_COLORS = {
    ClaimStatus.PENDING: "warning text-dark", ClaimStatus.APPROVED: "success", ClaimStatus.REJECTED: "danger",
    ClaimStatus.WITHDRAWN: "secondary",
}
CLAIM_ACTION_LABELS = {
    "submit": _l("提交认领申请"), "approve": _l("通过"), "reject": _l("驳回"), "withdraw": _l("撤回"),
}
