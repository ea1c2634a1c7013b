"""What a notification is about, for the SMS choices: one table. Urgent events go out by SMS at once; routine
ones wait for the digest (marketplace/notifications/sms.py). A notification sent without an event is "other"."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# key: (label on the settings page, urgent)
EVENTS: dict[str, tuple] = {
    "invitation_answered": (_l("候选人答复了我的邀请"), True),
    "agreement_to_sign": (_l("有服务协议待我签署"), True),
    "invitation_new": (_l("我收到新的服务邀请"), False),
    "agreement": (_l("服务协议的其他进展（验收、整改、终止等）"), False),
    "other": (_l("其他消息（审核结果、提醒等）"), False),
}
# Chosen for a user who never opened the settings page: the two urgent ones.
DEFAULT_SMS_EVENTS = ["invitation_answered", "agreement_to_sign"]


def is_urgent(event: str | None) -> bool:
    return EVENTS.get(event or "other", EVENTS["other"])[1]


def label(event: str | None) -> str:
    return str(EVENTS.get(event or "other", EVENTS["other"])[0])
