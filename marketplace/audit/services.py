"""Recording the audit log. Every service that writes calls `record` in the same transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db

# Actions, with the Chinese label shown in the log. Areas add theirs here.
ACTION_LABELS = {
    "account.create": _l("创建账户"),
    "account.register": _l("注册账户"),
    "account.disable": _l("停用账户"),
    "account.enable": _l("启用账户"),
    "account.reset_password": _l("重置密码"),
    "account.change_password": _l("修改密码"),
    "account.update": _l("修改账户"),
    "account.view_unmasked": _l("查看完整个人信息"),
    "auth.login": _l("登录"),
    "auth.login_failed": _l("登录失败"),
    "auth.locked": _l("账户锁定"),
    "auth.logout": _l("退出"),
    "auth.token": _l("签发接口令牌"),
    "department.create": _l("创建部门"),
    "certificate.batch": _l("批量打印聘任证书"),
    "directory.confirm_year": _l("确认年度名录数据"),
    "directory.unlock": _l("解锁年度名录数据维护"),
    "counselor.import": _l("批量导入辅导员"), "counselor.export_unmasked": _l("导出含完整个人信息的名录"),
}


def record(actor: Any, action: str, obj: Any = None, *, object_type: str | None = None,
           object_id: Any = None, region_code: str | None = None, **details: Any) -> AuditEntry:
    """Add an audit entry for `action` on `obj` by `actor` (a User or None) and flush it."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        region_code = region_code or getattr(obj, "region_code", None)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        region_code=region_code,
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
