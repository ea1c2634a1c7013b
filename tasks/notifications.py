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
