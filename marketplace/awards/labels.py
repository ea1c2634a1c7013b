"""Labels of the awards area, read by pages and the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.awards.models import AwardState, AwardSubject

STATE_LABELS = {AwardState.DRAFT: _l("草稿"), AwardState.NOMINATED: _l("待上级审核"),
                AwardState.RETURNED: _l("已退回"), AwardState.APPROVED: _l("已批准"),
                AwardState.WITHDRAWN: _l("已撤回")}
STATE_BADGES = {AwardState.DRAFT: "secondary", AwardState.NOMINATED: "primary", AwardState.RETURNED: "warning",
                AwardState.APPROVED: "success", AwardState.WITHDRAWN: "light text-dark"}
SUBJECT_LABELS = {AwardSubject.COUNSELOR: _l("辅导员"), AwardSubject.CENTER: _l("服务中心")}
