"""Labels of the training area, read by pages, PDFs and the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.training.models import Audience, TrainingMode, TrainingState

MODE_LABELS = {TrainingMode.OFFLINE: _l("线下"), TrainingMode.ONLINE: _l("线上"),
               TrainingMode.MIXED: _l("线上线下结合")}
AUDIENCE_LABELS = {Audience.OWN: _l("本部门聘任的辅导员"), Audience.JURISDICTION: _l("辖区内全部在聘辅导员")}
STATE_LABELS = {TrainingState.PLANNED: _l("计划中"), TrainingState.COMPLETED: _l("已结束"),
                TrainingState.CANCELLED: _l("已取消")}
STATE_BADGES = {TrainingState.PLANNED: "primary", TrainingState.COMPLETED: "success",
                TrainingState.CANCELLED: "secondary"}
