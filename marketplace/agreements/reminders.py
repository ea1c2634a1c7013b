"""Acceptance timeouts: an acceptance left unanswered past AGREEMENT_ACCEPTANCE_DAYS reminds the entity;
AGREEMENT_ESCALATION_DAYS after the reminder the county department is told. Run by the periodic task
`agreements.remind_acceptance`."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.agreements.lifecycle import acceptance_days, add_event, escalation_days
from marketplace.agreements.models import Agreement, AgreementStatus
from marketplace.entities.services import county_officials
from marketplace.extensions import db
from marketplace.notifications.services import notify
from marketplace.timeutil import as_utc, local, utcnow

S = AgreementStatus


def remind_acceptance(now: datetime | None = None) -> tuple[int, int]:
    """Remind the entity of each acceptance past its due time, and tell the county department of those still
    unanswered AGREEMENT_ESCALATION_DAYS later. Idempotent: each step happens once (compare-and-set on its
    timestamp). Returns (reminded, escalated)."""
    now = as_utc(now or utcnow())
    reminded = escalated = 0
    due = db.session.scalars(select(Agreement).where(
        Agreement.status == S.SUBMITTED, Agreement.acceptance_due_at < now,
        Agreement.acceptance_reminded_at.is_(None)).order_by(Agreement.id)).all()
    for agreement in due:
        if not _stamp(agreement, "acceptance_reminded_at", now):
            continue
        reminded += 1
        add_event(agreement, "remind", None, S.SUBMITTED, S.SUBMITTED, _("验收超过 %(days)d 天未答复",
                                                                       days=acceptance_days()), now=now)
        notify(agreement.owner, _("请尽快验收协议 %(number)s", number=agreement.number),
               _("服务方已于 %(date)s 申请验收，已超过 %(days)d 天。逾期仍未验收将报告县级农业农村部门。",
                 date=local(agreement.submitted_at).date().isoformat(), days=acceptance_days()),
               link=f"/agreements/{agreement.id}")
    cutoff = now - timedelta(days=escalation_days())
    late = db.session.scalars(select(Agreement).where(
        Agreement.status == S.SUBMITTED, Agreement.acceptance_reminded_at <= cutoff,
        Agreement.acceptance_escalated_at.is_(None)).order_by(Agreement.id)).all()
    for agreement in late:
        if not _stamp(agreement, "acceptance_escalated_at", now):
            continue
        escalated += 1
        add_event(agreement, "escalate", None, S.SUBMITTED, S.SUBMITTED, _("提醒后仍未验收，已报告县级部门"), now=now)
        for official in county_officials(agreement.region_code):
            notify(official, _("服务协议逾期未验收：%(number)s", number=agreement.number),
                   _("%(entity)s 收到验收申请后逾期未验收（服务方：%(provider)s）。", entity=agreement.entity_name,
                     provider=agreement.provider_name), link=f"/agreements/{agreement.id}")
    return reminded, escalated


def _stamp(agreement: Agreement, column: str, now: datetime) -> bool:
    result = db.session.execute(update(Agreement).where(
        Agreement.id == agreement.id, Agreement.status == S.SUBMITTED, getattr(Agreement, column).is_(None))
        .values(**{column: now}).execution_options(synchronize_session=False))
    db.session.refresh(agreement)
    return result.rowcount == 1
