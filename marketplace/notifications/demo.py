"""Demo for the SMS channel and the public price history: the operator of 正定 chose SMS for agreements too and
has two text messages of the last days; the demo offerings' prices are dated in 2025. Safe to run again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.centers.models import OfferingPriceChange
from marketplace.extensions import db
from marketplace.notifications.models import NotificationPreference, SmsMessage
from marketplace.timeutil import utcnow


def seed_sms_demo() -> None:
    for n, change in enumerate(db.session.scalars(select(OfferingPriceChange).order_by(OfferingPriceChange.id))):
        if change.changed_at.year != 2025:
            change.changed_at = (datetime(2025, 3, 1, 2, tzinfo=UTC) + timedelta(days=n) if change.old_min is None
                                 else datetime(2025, 9, 15, 2, tzinfo=UTC) + timedelta(days=n))
    operator = db.session.scalar(select(User).where(User.username == "coop_zhengding"))
    if operator is None or db.session.get(NotificationPreference, operator.id) is not None:
        return
    db.session.add(NotificationPreference(user_id=operator.id,
                                          sms_events=["invitation_answered", "agreement_to_sign", "agreement"]))
    now = utcnow()
    db.session.add_all([
        SmsMessage(user_id=operator.id, phone_masked=operator.phone_masked or "", status="sent",
                   body="【辅导平台】刘桂芳 接受了您的需求“建立合作社财务账簿”，请登录平台查看。",
                   created_at=now - timedelta(days=2), sent_at=now - timedelta(days=2)),
        SmsMessage(user_id=operator.id, phone_masked=operator.phone_masked or "", status="sent", is_digest=True,
                   count=3, body="【辅导平台】您有 3 条新消息，最新：协议 FD-2025-0003 已验收通过。请登录平台查看。",
                   created_at=now - timedelta(days=1), sent_at=now - timedelta(days=1)),
    ])
    db.session.flush()
