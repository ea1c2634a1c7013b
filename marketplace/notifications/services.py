"""The inbox. Every reminder and alert on the platform goes through `notify`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_mailman import EmailMessage
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.timeutil import utcnow

if TYPE_CHECKING:
    from marketplace.accounts.models import User


def notify(user: User, title: str, body: str = "", link: str | None = None,
           event: str | None = None) -> Notification:
    """Put a message in `user`'s inbox and hand it to the channels (mail to an address; SMS for the events the
    user chose, at once when urgent, else in the next digest: marketplace/notifications/channels.py).
    `event` is a key of marketplace/notifications/events.py (None: "other")."""
    from marketplace.notifications.channels import CHANNELS

    notification = Notification(user=user, user_id=user.id, title=str(title), body=str(body), link=link,
                                event=event)
    db.session.add(notification)
    db.session.flush()
    for channel in CHANNELS:
        channel.route(notification)
    return notification


def send_email(notification: Notification) -> bool:
    """Mail one notification (SMTP when configured, else the outbox folder). Idempotent: sends once."""
    if notification.emailed_at is not None or not notification.user.email:
        return False
    body = notification.body
    if notification.link:
        body += "\n\n" + current_app.config["PUBLIC_URL"].rstrip("/") + notification.link
    EmailMessage(subject=f"[辅导平台] {notification.title}", body=body,
                 to=[notification.user.email]).send()
    notification.emailed_at = utcnow()
    return True


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.user_id == user.id, Notification.is_read.is_(False))) or 0


def unread_subquery(user_column):
    """The unread count as a scalar subquery beside the user (the sign-in loader reads both in one query)."""
    return (select(func.count()).where(Notification.user_id == user_column, Notification.is_read.is_(False))
            .correlate_except(Notification).scalar_subquery())


def page_unread_count(user: User) -> int:
    """The navigation's unread count: the one read with the user at the start of the request, unless the
    request has written anything through the database session since (then counted again)."""
    from flask import has_request_context, request

    preloaded = request.environ.get(PRELOADED) if has_request_context() else None
    if preloaded is not None and preloaded[0] == user.id and not request.environ.get(WROTE):
        return preloaded[1]
    return unread_count(user)


# kept in the request's WSGI environ: per request even when tests share one app context across requests
PRELOADED, WROTE = "fudao.unread_preloaded", "fudao.db_wrote"


def _note_write(*_args) -> None:
    from flask import has_request_context, request

    if has_request_context():
        request.environ[WROTE] = True


def _note_orm_write(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _note_write()


def track_writes() -> None:
    """Mark the request once its session flushes or runs an INSERT, UPDATE or DELETE."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _note_write):
        event.listen(Session, "after_flush", _note_write)
        event.listen(Session, "do_orm_execute", _note_orm_write)


def mark_read(user: User, notification: Notification) -> None:
    if notification.user_id == user.id and not notification.is_read:
        notification.is_read = True
        notification.read_at = utcnow()


def mark_all_read(user: User) -> int:
    result = db.session.execute(update(Notification)
                                .where(Notification.user_id == user.id, Notification.is_read.is_(False))
                                .values(is_read=True, read_at=utcnow()))
    return result.rowcount or 0
