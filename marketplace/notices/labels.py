"""Labels of the notices area, read by pages and the audit log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.notices.models import NoticeState, RecipientKind

STATE_LABELS = {NoticeState.DRAFT: _l("草稿"), NoticeState.PUBLISHED: _l("已发布"),
                NoticeState.WITHDRAWN: _l("已撤回")}
STATE_BADGES = {NoticeState.DRAFT: "secondary", NoticeState.PUBLISHED: "success",
                NoticeState.WITHDRAWN: "warning text-dark"}
KIND_LABELS = {RecipientKind.OFFICIAL: _l("下级农业农村部门"), RecipientKind.COUNSELOR: _l("辅导员"),
               RecipientKind.CENTER: _l("服务中心"), RecipientKind.OPERATOR: _l("经营主体")}
