from celery import shared_task

from marketplace.extensions import db


@shared_task(name="notifications.send_email", time_limit=60, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_email(notification_id: int) -> bool:
    from marketplace.notifications.models import Notification
    from marketplace.notifications.services import send_email as send

    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return False
    sent = send(notification)
    db.session.commit()
    return sent


@shared_task(name="notifications.send_sms", time_limit=60, autoretry_for=(OSError,), retry_backoff=True,
             max_retries=5)
def send_sms(message_id: int) -> bool:
    from marketplace.notifications.channels import deliver
    from marketplace.notifications.models import SmsMessage

    message = db.session.get(SmsMessage, message_id)
    if message is None:
        return False
    sent = deliver(message)
    db.session.commit()
    return sent


@shared_task(name="notifications.send_sms_digests", time_limit=300)
def send_sms_digests() -> int:
    from marketplace.notifications.channels import queue_digests

    queued = queue_digests()
    db.session.commit()
    return queued
