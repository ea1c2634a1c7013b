"""The inbox: notify(), the unread badge, marking read, the e-mail copy sent after commit, and the API."""

from __future__ import annotations

import email
import re
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify
from tests.conftest import text_of


@pytest.fixture
def outbox(app):
    """The mail folder, and a function returning the files written there since the test began."""
    folder = Path(app.config["MAIL_FILE_PATH"])
    before = set(folder.iterdir()) if folder.exists() else set()

    def new_files() -> list[Path]:
        now = set(folder.iterdir()) if folder.exists() else set()
        return sorted(now - before)

    return new_files


def unread_badge(response) -> str | None:
    match = re.search(r'data-testid="unread-count"[^>]*>\s*(\d+)\s*<', response.get_data(as_text=True))
    return match.group(1) if match else None


def mails_in(path: Path) -> list[email.message.Message]:
    parts = [p for p in re.split(r"^-{79}$", path.read_text(encoding="utf-8"), flags=re.M) if p.strip()]
    return [email.message_from_string(p) for p in parts]


def test_notify_puts_a_message_in_the_inbox(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    notify(user, "您有新的辅导安排", "请于周五上午到服务中心。")
    db.session.commit()
    login(user)
    response = client.get("/inbox/")
    assert response.status_code == 200
    text = text_of(response)
    assert "您有新的辅导安排" in text
    assert "请于周五上午到服务中心。" in text


def test_unread_count_in_the_header(client, make_user, login, db):
    user = make_user(Role.COUNSELOR, "130123")
    login(user)
    assert unread_badge(client.get("/")) is None
    notify(user, "第一条")
    notify(user, "第二条")
    db.session.commit()
    assert unread_badge(client.get("/")) == "2"
    assert unread_badge(client.get("/inbox/")) == "2"


def test_mark_one_read(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    first = notify(user, "第一条")
    notify(user, "第二条")
    db.session.commit()
    first_id = first.id
    login(user)

    response = client.post(f"/inbox/{first_id}/read")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/inbox/")
    assert unread_badge(client.get("/")) == "1"
    notification = db.session.get(Notification, first_id)
    db.session.refresh(notification)
    assert notification.is_read is True
    assert notification.read_at is not None


def test_read_follows_a_local_link_only(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    local = notify(user, "本站链接", link="/auth/password")
    evil = notify(user, "外部链接", link="https://evil.example/phish")
    db.session.commit()
    local_id, evil_id = local.id, evil.id
    login(user)
    assert client.post(f"/inbox/{local_id}/read").headers["Location"].endswith("/auth/password")
    location = client.post(f"/inbox/{evil_id}/read").headers["Location"]
    assert "evil.example" not in location
    assert location.endswith("/inbox/")


def test_read_all(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    other = make_user(Role.OPERATOR, "130123")
    for n in range(3):
        notify(user, f"消息{n}")
    notify(other, "别人的消息")
    db.session.commit()
    login(user)
    response = client.post("/inbox/read-all", follow_redirects=True)
    assert response.status_code == 200
    assert "已将 3 条消息标为已读" in text_of(response)
    assert unread_badge(response) is None
    unread_of_other = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == other.id, Notification.is_read.is_(False)))
    assert unread_of_other == 1


def test_another_users_notification_is_404(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    other = make_user(Role.OFFICIAL, "130000")
    theirs = notify(other, "别人的消息")
    db.session.commit()
    theirs_id = theirs.id
    login(user)
    assert client.post(f"/inbox/{theirs_id}/read").status_code == 404
    assert "别人的消息" not in text_of(client.get("/inbox/"))
    db.session.expire_all()
    assert db.session.get(Notification, theirs_id).is_read is False


def test_inbox_needs_login(client):
    response = client.get("/inbox/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_notification_is_mailed_after_commit(make_user, db, outbox):
    user = make_user(Role.OPERATOR, "130123", email="farmer@example.com")
    notification = notify(user, "审核通过", "您的资料已审核通过。", link="/inbox/")
    notification_id = notification.id
    assert outbox() == []  # nothing before the commit
    db.session.commit()

    files = outbox()
    assert len(files) == 1
    messages = mails_in(files[0])
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == "farmer@example.com"
    assert "审核通过" in str(make_header(decode_header(message["Subject"])))
    body = message.get_payload()  # 8bit text, written as is
    assert "您的资料已审核通过。" in body
    assert body.rstrip().endswith("/inbox/")

    db.session.expire_all()
    assert db.session.get(Notification, notification_id).emailed_at is not None


def test_nothing_is_mailed_when_the_transaction_rolls_back(make_user, db, outbox):
    user = make_user(Role.OPERATOR, "130123", email="farmer@example.com")
    notify(user, "不会发出")
    db.session.rollback()
    db.session.commit()  # a later commit must not send the dropped message either
    assert outbox() == []
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_users_without_email_get_no_mail(make_user, db, outbox):
    user = make_user(Role.OPERATOR, "130123")
    notification = notify(user, "只在站内")
    notification_id = notification.id
    db.session.commit()
    assert outbox() == []
    db.session.expire_all()
    stored = db.session.get(Notification, notification_id)
    assert stored is not None
    assert stored.emailed_at is None


def test_api_lists_only_own_notifications(client, make_user, api_token, db):
    user = make_user(Role.COUNSELOR, "130123")
    other = make_user(Role.COUNSELOR, "130123")
    first = notify(user, "给我的第一条")
    notify(user, "给我的第二条")
    notify(other, "给别人的")
    db.session.commit()
    first_id = first.id
    headers = api_token(user)

    response = client.get("/api/v1/notifications", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["unread"] == 2
    assert [item["title"] for item in body["items"]] == ["给我的第二条", "给我的第一条"]
    assert body["meta"]["total"] == 2
    assert all(item["is_read"] is False for item in body["items"])

    read = client.post(f"/api/v1/notifications/{first_id}/read", headers=headers)
    assert read.status_code == 200
    assert read.get_json()["is_read"] is True
    assert client.get("/api/v1/notifications", headers=headers).get_json()["unread"] == 1


def test_api_read_of_another_users_notification_is_404(client, make_user, api_token, db):
    user = make_user(Role.COUNSELOR, "130123")
    other = make_user(Role.COUNSELOR, "130123")
    theirs = notify(other, "给别人的")
    db.session.commit()
    response = client.post(f"/api/v1/notifications/{theirs.id}/read", headers=api_token(user))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_api_notifications_need_a_token(client):
    response = client.get("/api/v1/notifications")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_the_badge_is_read_with_the_user_and_recounted_after_a_write(app, client, make_user, login, db,
                                                                      monkeypatch):
    from marketplace.notifications import services

    user = make_user(Role.OPERATOR, "130123")
    for n in range(2):
        notify(user, f"消息{n}")
    db.session.commit()
    login(user)
    recounts = []
    real = services.unread_count
    monkeypatch.setattr(services, "unread_count", lambda u: recounts.append(u.id) or real(u))
    assert unread_badge(client.get("/inbox/")) == "2" and recounts == []  # read with the user: no second query

    with app.test_request_context("/inbox/"):  # a request that marks a message read before it renders
        from flask import request

        request.environ[services.PRELOADED] = (user.id, 2)
        assert services.page_unread_count(user) == 2 and recounts == []
        notification = db.session.scalar(select(Notification).where(Notification.user_id == user.id).limit(1))
        services.mark_read(user, notification)
        db.session.flush()
        assert services.page_unread_count(user) == 1 and recounts == [user.id]
    db.session.rollback()
