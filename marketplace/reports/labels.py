"""Labels of the reporting area, read by pages and the API."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.reports.models import PeriodKind, ReportState

KIND_LABELS = {PeriodKind.QUARTER: _l("季度报告"), PeriodKind.HALF: _l("半年报告"), PeriodKind.YEAR: _l("年度报告")}
STATE_LABELS = {ReportState.DRAFT: _l("草稿"), ReportState.SUBMITTED: _l("已报送"),
                ReportState.RETURNED: _l("退回修改"), ReportState.ACCEPTED: _l("已采纳")}
STATE_BADGES = {ReportState.DRAFT: "secondary", ReportState.SUBMITTED: "primary", ReportState.RETURNED: "warning",
                ReportState.ACCEPTED: "success"}
PERIODS = {PeriodKind.QUARTER: 4, PeriodKind.HALF: 2, PeriodKind.YEAR: 1}


def period_label(kind: PeriodKind, year: int, number: int) -> str:
    if kind is PeriodKind.QUARTER:
        return _("%(year)d年第%(n)d季度", year=year, n=number)
    if kind is PeriodKind.HALF:
        return _("%(year)d年上半年", year=year) if number == 1 else _("%(year)d年下半年", year=year)
    return _("%(year)d年度", year=year)
