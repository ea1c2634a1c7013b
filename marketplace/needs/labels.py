"""Chinese labels for needs and invitations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.needs.models import InvitationKind, InvitationStatus, NeedStatus, ServiceMode, Urgency

STATUS_LABELS = {
    NeedStatus.DRAFT: _l("草稿"), NeedStatus.OPEN: _l("待对接"), NeedStatus.ASSIGNED: _l("已对接"),
    NeedStatus.IN_SERVICE: _l("服务中"), NeedStatus.CLOSED: _l("已完成"), NeedStatus.CANCELLED: _l("已取消"),
    NeedStatus.EXPIRED: _l("已过期"),
}
STATUS_COLORS = {
    NeedStatus.DRAFT: "light text-dark", NeedStatus.OPEN: "primary", NeedStatus.ASSIGNED: "success",
    NeedStatus.IN_SERVICE: "info text-dark", NeedStatus.CLOSED: "secondary", NeedStatus.CANCELLED: "dark",
    NeedStatus.EXPIRED: "warning text-dark",
}
URGENCY_LABELS = {Urgency.NORMAL: _l("一般"), Urgency.URGENT: _l("紧急")}
MODE_LABELS = {ServiceMode.ON_SITE: _l("上门服务"), ServiceMode.REMOTE: _l("可远程服务")}
KIND_LABELS = {InvitationKind.COUNSELOR: _l("辅导员"), InvitationKind.CENTER: _l("服务中心")}
INVITATION_LABELS = {
    InvitationStatus.PENDING: _l("待答复"), InvitationStatus.ACCEPTED: _l("已接受"),
    InvitationStatus.DECLINED: _l("已谢绝"), InvitationStatus.EXPIRED: _l("超时未答复"),
    InvitationStatus.WITHDRAWN: _l("已撤回"),
}
INVITATION_COLORS = {
    InvitationStatus.PENDING: "primary", InvitationStatus.ACCEPTED: "success",
    InvitationStatus.DECLINED: "secondary", InvitationStatus.EXPIRED: "warning text-dark",
    InvitationStatus.WITHDRAWN: "light text-dark",
}
EVENT_LABELS = {
    "create": _l("创建需求"), "publish": _l("发布"), "update": _l("修改"), "assign": _l("已对接"),
    "start_service": _l("开始服务"), "close": _l("服务完成"), "cancel": _l("取消"), "expire": _l("过期"),
    "reopen": _l("重新开放"), "settle": _l("调解结案"), "renew": _l("重新发布"),
}
ACTION_LABELS = {"publish": _l("发布"), "renew": _l("重新发布"), "cancel": _l("取消需求")}
