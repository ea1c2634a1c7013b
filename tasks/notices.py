"""Notice fan-out and mail (marketplace/notices/services.py): one batch of recipients per task, chained
through the outbox; both are idempotent."""

from __future__ import annotations

from celery import shared_task

from marketplace.extensions import db


@shared_task(name="notices.fan_out", time_limit=300)
def fan_out(notice_id: int, after_user_id: int = 0) -> int:
    from marketplace.notices.models import Notice
    from marketplace.notices.services import fan_out_batch

    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return 0
    delivered = fan_out_batch(notice, after_user_id)
    db.session.commit()
    return delivered


@shared_task(name="notices.send_mail", time_limit=600, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_mail(notice_id: int, user_ids: list[int]) -> int:
    from marketplace.notices.models import Notice
    from marketplace.notices.services import mail_notifications

    notice = db.session.get(Notice, notice_id)
    if notice is None:
        return 0
    sent = mail_notifications(notice, user_ids)
    db.session.commit()
    return sent
