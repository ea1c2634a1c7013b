"""Officials' view of the agreements of their jurisdiction: overdue filters, counts by state, acceptance and
satisfaction rates, disputes, and the xlsx export. Every figure is computed on the scoped query, so a county
sees its own and a province the sum of its counties."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, exists, false, func, select

from marketplace.agreements.labels import PROVIDER_LABELS, STATUS_LABELS
from marketplace.agreements.models import Agreement, AgreementItem, AgreementStatus
from marketplace.extensions import db
from marketplace.timeutil import local, utcnow

S = AgreementStatus
OVERDUE_KINDS = ("delivery", "acceptance")
EXPORT_LIMIT = 50_000


def overdue_clause(kind: str, now: datetime | None = None) -> ColumnElement[bool]:
    """`delivery`: signed or in service with an item past its deadline (not yet submitted);
    `acceptance`: submitted and not accepted by the due time."""
    now = now or utcnow()
    if kind == "delivery":
        today = local(now).date()  # deadlines are calendar days in China
        late_item = exists().where(AgreementItem.agreement_id == Agreement.id, AgreementItem.deadline < today)
        return and_(Agreement.status.in_((S.SIGNED, S.IN_SERVICE)), late_item)
    if kind == "acceptance":
        return and_(Agreement.status == S.SUBMITTED, Agreement.acceptance_due_at < now)
    return false()


@dataclass
class Summary:
    total: int
    by_status: dict[AgreementStatus, int]
    overdue_delivery: int
    overdue_acceptance: int
    submitted_ever: int
    accepted: int
    rated: int
    satisfaction_avg: float | None
    satisfied: int  # rated 4 or 5
    disputes: int

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.submitted_ever if self.submitted_ever else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None


def summarize(query: Select, now: datetime | None = None) -> Summary:
    """Figures for the agreements of a (scoped, filtered) query, in a handful of aggregate queries."""
    ids = query.with_only_columns(Agreement.id).order_by(None).scalar_subquery()
    base = select(Agreement).where(Agreement.id.in_(ids))
    by_status = dict(db.session.execute(base.with_only_columns(Agreement.status, func.count())
                                        .group_by(Agreement.status)).all())

    def count(*conditions) -> int:
        return db.session.scalar(base.with_only_columns(func.count()).where(*conditions)) or 0

    rated = db.session.execute(base.with_only_columns(func.count(Agreement.satisfaction), func.avg(
        Agreement.satisfaction)).where(Agreement.satisfaction.is_not(None))).one()
    return Summary(
        total=sum(by_status.values()), by_status=by_status,
        overdue_delivery=count(overdue_clause("delivery", now)),
        overdue_acceptance=count(overdue_clause("acceptance", now)),
        submitted_ever=count(Agreement.submitted_at.is_not(None)),
        accepted=count(Agreement.accepted_at.is_not(None)),
        rated=rated[0] or 0, satisfaction_avg=float(rated[1]) if rated[1] is not None else None,
        satisfied=count(Agreement.satisfaction >= 4),
        disputes=count(Agreement.status == S.DISPUTED),
    )


def _day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    return (local(value) if isinstance(value, datetime) else value).strftime("%Y-%m-%d")


HEADERS = (_l("协议编号"), _l("协议名称"), _l("状态"), _l("地区"), _l("甲方（服务对象）"), _l("乙方类型"),
           _l("乙方（服务方）"), _l("合同金额（元）"), _l("签署日期"), _l("申请验收日期"), _l("验收期限"),
           _l("验收日期"), _l("满意度"), _l("逾期"))


def export_rows(query: Select, now: datetime | None = None):
    now = now or utcnow()
    for agreement in db.session.scalars(query.limit(EXPORT_LIMIT)):
        late = ""
        if agreement.status is S.SUBMITTED and agreement.acceptance_due_at and agreement.acceptance_due_at < now:
            late = _("逾期未验收")
        yield (agreement.number, agreement.title, str(STATUS_LABELS[agreement.status]), agreement.region.full_name,
               agreement.entity_name, str(PROVIDER_LABELS[agreement.provider_kind]), agreement.provider_name,
               float(agreement.total_amount) if agreement.total_amount is not None else None,
               _day(agreement.signed_at), _day(agreement.submitted_at), _day(agreement.acceptance_due_at),
               _day(agreement.accepted_at), agreement.satisfaction, late)


def build_export(query: Select) -> bytes:
    """The agreements of the query as an xlsx workbook (write-only, so memory stays flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("服务协议"))
    sheet.append([str(header) for header in HEADERS])
    for row in export_rows(query):
        sheet.append(list(row))
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
