"""Chinese labels for coded values, translated lazily so they follow the user's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.accounts.models import Role
from marketplace.regions.models import Level

LEVEL_LABELS = {Level.NATIONAL: _l("国家"), Level.PROVINCE: _l("省级"), Level.CITY: _l("市级"),
                Level.COUNTY: _l("县级"), Level.TOWNSHIP: _l("乡镇")}
ROLE_LABELS = {Role.OFFICIAL: _l("管理员"), Role.COUNSELOR: _l("辅导员"), Role.OPERATOR: _l("经营主体"),
               Role.CENTER_STAFF: _l("服务中心")}


def level_label(level: Level | None) -> str:
    return str(LEVEL_LABELS[level]) if level else ""


def role_label(role: Role) -> str:
    return str(ROLE_LABELS[role])
