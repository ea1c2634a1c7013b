"""Notification channels beside the inbox: mail and text messages, behind one interface.

`notify` hands every new notification to each channel's `route`, which decides (the user's address, phone and
choices) and queues the sending after commit; tasks call `deliver`. SMS goes through a backend chosen by the
SMS_BACKEND setting: "file" (the embedded default: one text file per message under SMS_FILE_PATH, like mail's
outbox folder) or "aliyun" (Alibaba Cloud SMS over its HTTP API, credentials from settings; docs/notifications.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.background import enqueue_after_commit
from marketplace.extensions import db
from marketplace.notifications import events
from marketplace.notifications.models import Notification, NotificationPreference, SmsMessage
from marketplace.timeutil import LOCAL_ZONE, local_today, utcnow

if TYPE_CHECKING:
    from marketplace.accounts.models import User

log = logging.getLogger(__name__)


class Channel(Protocol):
    name: str

    def route(self, notification: Notification) -> None:
        """Decide whether `notification` goes out on this channel and queue it (after commit)."""


class MailChannel:
    name = "mail"

    def route(self, notification: Notification) -> None:
        if notification.user.email:
            enqueue_after_commit("notifications.send_email", notification.id)


class SmsChannel:
    name = "sms"

    def route(self, notification: Notification) -> None:
        user = notification.user
        if not user.phone_cipher or (notification.event or "other") not in sms_events(user):
            return
        if events.is_urgent(notification.event) and sent_today(user) < daily_limit():
            notification.sms_state = "sent"
            message = _queue(user, _text(notification.title), count=1, is_digest=False)
            enqueue_after_commit("notifications.send_sms", message.id)
        else:  # routine, or today's limit reached: the next digest tells of it
            notification.sms_state = "digest"


CHANNELS: list[Channel] = [MailChannel(), SmsChannel()]


# --- choices and limits ----------------------------------------------------------------------------------------

def sms_events(user: User) -> list[str]:
    preference = db.session.get(NotificationPreference, user.id)
    return list(events.DEFAULT_SMS_EVENTS) if preference is None else list(preference.sms_events or [])


def set_sms_events(user: User, chosen: list[str], actor: User) -> NotificationPreference:
    """Save `user`'s SMS choices (unknown keys are dropped) and audit the change."""
    from marketplace.audit.services import record

    chosen = [key for key in events.EVENTS if key in set(chosen)]
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id, sms_events=chosen)
        db.session.add(preference)
    else:
        preference.sms_events = chosen
    db.session.flush()
    record(actor, "notification.sms_preferences", preference, object_id=user.id, events=",".join(chosen) or "-")
    return preference


def daily_limit() -> int:
    return int(current_app.config.get("SMS_DAILY_LIMIT", 5))


def _local_midnight_utc() -> datetime:
    return datetime.combine(local_today(), time(0), tzinfo=LOCAL_ZONE).astimezone(UTC)


def sent_today(user: User) -> int:
    """Text messages queued for `user` since midnight China time (the daily bound counts them all)."""
    return db.session.scalar(select(func.count()).select_from(SmsMessage).where(
        SmsMessage.user_id == user.id, SmsMessage.created_at >= _local_midnight_utc())) or 0


def _text(title: str) -> str:
    with force_locale("zh_CN"):
        return _("【辅导平台】%(title)s，请登录平台查看。", title=str(title))[:300]


def _queue(user: User, body: str, count: int, is_digest: bool) -> SmsMessage:
    message = SmsMessage(user_id=user.id, user=user, phone_masked=user.phone_masked or "", body=body,
                         count=count, is_digest=is_digest)
    db.session.add(message)
    db.session.flush()
    return message


# --- the digest ------------------------------------------------------------------------------------------------

def queue_digests(now: datetime | None = None) -> int:
    """One SMS per user who has notifications waiting for the digest (within the daily limit; those over it
    wait for tomorrow's digest). Returns how many were queued; the periodic task sends them."""
    now = now or utcnow()
    waiting = db.session.execute(select(Notification.user_id, func.count(), func.max(Notification.id))
                                 .where(Notification.sms_state == "digest")
                                 .group_by(Notification.user_id)).all()
    queued = 0
    for user_id, count, last_id in waiting:
        latest = db.session.get(Notification, last_id)
        user = latest.user
        if not user.phone_cipher or not user.is_active:
            _mark(user_id, last_id, None)
            continue
        if sent_today(user) >= daily_limit():
            continue
        with force_locale("zh_CN"):
            body = _("【辅导平台】您有 %(n)d 条新消息，最新：%(title)s。请登录平台查看。", n=count,
                     title=latest.title)[:300]
        message = _queue(user, body, count=count, is_digest=True)
        _mark(user_id, last_id, "sent")
        enqueue_after_commit("notifications.send_sms", message.id)
        queued += 1
    return queued


def _mark(user_id: int, last_id: int, state: str | None) -> None:
    from sqlalchemy import update

    db.session.execute(update(Notification).where(Notification.user_id == user_id, Notification.id <= last_id,
                                                  Notification.sms_state == "digest").values(sms_state=state))


# --- sending ---------------------------------------------------------------------------------------------------

class SmsError(Exception):
    pass


def deliver(message: SmsMessage) -> bool:
    """Send one queued SMS through the configured backend. Idempotent: a sent message is not sent again."""
    if message.status == "sent":
        return False
    phone = message.user.phone
    if not phone:
        message.status, message.error = "failed", "no phone"
        return False
    try:
        BACKENDS[current_app.config.get("SMS_BACKEND", "file")](phone, message)
    except SmsError as error:
        message.status, message.error = "failed", str(error)[:300]
        log.warning("sms %s failed: %s", message.id, error)
        return False
    message.status, message.sent_at, message.error = "sent", utcnow(), None
    return True


def file_backend(phone: str, message: SmsMessage) -> None:
    """The embedded default: write the message to a file in SMS_FILE_PATH (instance/sms-outbox)."""
    folder = Path(current_app.config.get("SMS_FILE_PATH") or Path(current_app.instance_path) / "sms-outbox")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{message.id}-{uuid.uuid4().hex[:8]}.txt"
    path.write_text(f"To: {phone}\n\n{message.body}\n", encoding="utf-8")


def _percent(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_request(phone: str, message: SmsMessage, config: dict, now: datetime | None = None,
                   nonce: str | None = None) -> str:
    """The signed SendSms URL (Alibaba Cloud RPC signature, HMAC-SHA1); apart from sending so it is tested."""
    params = {
        "AccessKeyId": config["SMS_ALIYUN_ACCESS_KEY_ID"], "Action": "SendSms", "Format": "JSON",
        "PhoneNumbers": phone, "RegionId": config.get("SMS_ALIYUN_REGION", "cn-hangzhou"),
        "SignName": config["SMS_ALIYUN_SIGN_NAME"], "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce or uuid.uuid4().hex, "SignatureVersion": "1.0",
        "TemplateCode": config["SMS_ALIYUN_TEMPLATE_CODE"],
        "TemplateParam": json.dumps({"content": message.body}, ensure_ascii=False),
        "Timestamp": (now or utcnow()).strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
    }
    signature, query = aliyun_sign(params, config["SMS_ALIYUN_ACCESS_KEY_SECRET"])
    endpoint = config.get("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
    return f"{endpoint}?Signature={_percent(signature)}&{query}"


def aliyun_sign(params: dict[str, str], secret: str) -> tuple[str, str]:
    """(signature, canonical query) of an Alibaba Cloud RPC request, signature version 1.0 (HMAC-SHA1 over
    "GET&%2F&" + the percent-encoded sorted query, keyed with the secret and "&")."""
    query = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
    to_sign = "GET&%2F&" + _percent(query)
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode(), query


def aliyun_backend(phone: str, message: SmsMessage) -> None:
    url = aliyun_request(phone, message, current_app.config)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the configured https endpoint)
            answer = json.loads(response.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        raise SmsError(f"aliyun: {error}") from error
    if answer.get("Code") != "OK":
        raise SmsError(f"aliyun: {answer.get('Code')} {answer.get('Message')}")


BACKENDS = {"file": file_backend, "aliyun": aliyun_backend}


def recent_messages(user: User, days: int = 7) -> list[SmsMessage]:
    since = utcnow() - timedelta(days=days)
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.user_id == user.id,
                                                            SmsMessage.created_at >= since)
                                   .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc()).limit(20)))
