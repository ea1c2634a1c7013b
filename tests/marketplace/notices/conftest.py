"""Fixtures for the notice tests: a notice written by the world's county (正定县, 130123)."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.notices import services
from marketplace.notices.models import RecipientKind

ALL_KINDS = list(RecipientKind)


def notice_input(**overrides) -> services.NoticeInput:
    data = {"title": "关于开展2025年度辅导员信息更新的通知",
            "body": "请各辅导员于6月30日前核对本人名录信息。\n逾期未确认的将提醒。",
            "kinds": ALL_KINDS, "is_public": False}
    data.update(overrides)
    return services.NoticeInput(**data)


def write(official, publish: bool = True, **overrides):
    """A notice of the official's department, published (the fan-out runs eagerly after commit)."""
    notice = services.create_notice(official, notice_input(**overrides))
    if publish:
        services.transition(notice, "publish", official)
    db.session.commit()
    db.session.refresh(notice)
    return notice
