"""Text messages beside mail: urgent events at once, routine ones in a digest, each user's choices on the
inbox settings page (through the rendered form), the daily bound, the file backend of the embedded default, and
the Alibaba Cloud request (signed, never sent in tests)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.notifications import channels
from marketplace.notifications.models import Notification, SmsMessage
from marketplace.notifications.services import notify
from tests.webpages import form_to

PHONE = "13931109876"


@pytest.fixture
def sms_outbox(app):
    folder = Path(app.config["SMS_FILE_PATH"])
    before = set(folder.iterdir()) if folder.exists() else set()
    return lambda: sorted((set(folder.iterdir()) if folder.exists() else set()) - before)


def messages(db, user) -> list[SmsMessage]:
    return list(db.session.scalars(select(SmsMessage).where(SmsMessage.user_id == user.id).order_by(SmsMessage.id)))


def test_an_urgent_event_is_texted_at_once(make_user, db, sms_outbox):
    user = make_user(Role.OPERATOR, "130123100", phone=PHONE)
    notify(user, "刘桂芳 接受了您的需求“建立财务账簿”", link="/needs/1", event="invitation_answered")
    db.session.commit()
    [message] = messages(db, user)
    assert message.status == "sent" and not message.is_digest
    assert message.phone_masked == "139****9876"
    [file] = sms_outbox()
    text = file.read_text(encoding="utf-8")
    assert f"To: {PHONE}" in text
    assert "【辅导平台】刘桂芳 接受了您的需求“建立财务账簿”，请登录平台查看。" in text


def test_routine_events_wait_for_one_digest(make_user, db, sms_outbox):
    user = make_user(Role.OPERATOR, "130123100", phone=PHONE)
    channels.set_sms_events(user, ["agreement", "other", "invitation_answered"], user)
    for n in range(3):
        notify(user, f"协议 FD-{n} 已验收通过", event="agreement")
    notify(user, "不选的消息", event="invitation_new")  # not chosen: inbox only
    db.session.commit()
    assert messages(db, user) == [] and sms_outbox() == []
    states = db.session.scalars(select(Notification.sms_state).where(Notification.user_id == user.id)
                                .order_by(Notification.id)).all()
    assert states == ["digest", "digest", "digest", None]

    assert channels.queue_digests() == 1
    db.session.commit()
    [digest] = messages(db, user)
    assert digest.is_digest and digest.count == 3 and digest.status == "sent"
    assert digest.body == "【辅导平台】您有 3 条新消息，最新：协议 FD-2 已验收通过。请登录平台查看。"
    assert len(sms_outbox()) == 1
    assert channels.queue_digests() == 0  # nothing waits any more


def test_no_phone_no_text(make_user, db, sms_outbox):
    user = make_user(Role.OPERATOR, "130123100")
    notify(user, "有服务协议待签署", event="agreement_to_sign")
    db.session.commit()
    assert messages(db, user) == [] and sms_outbox() == []


def test_the_daily_bound_holds_the_rest_for_the_digest(app, make_user, db, sms_outbox):
    app.config["SMS_DAILY_LIMIT"] = 2
    try:
        user = make_user(Role.OPERATOR, "130123100", phone=PHONE)
        for n in range(4):
            notify(user, f"请签署服务协议 FD-{n}", event="agreement_to_sign")
        db.session.commit()
        assert [m.body[:18] for m in messages(db, user)] == ["【辅导平台】请签署服务协议 FD-0",
                                                             "【辅导平台】请签署服务协议 FD-1"]
        assert channels.queue_digests() == 0  # the bound is reached today: tomorrow's digest tells of them
        assert db.session.scalar(select(Notification.sms_state).where(
            Notification.title == "请签署服务协议 FD-3")) == "digest"
        assert len(sms_outbox()) == 2
    finally:
        app.config["SMS_DAILY_LIMIT"] = 5


def test_settings_page_through_the_rendered_form(pages, make_user, db):
    user = make_user(Role.OPERATOR, "130123100", phone=PHONE)
    pages.sign_in(user)
    page = pages.get("/inbox/").click("短信提醒设置")
    assert "短信将发送到 139****9876" in " ".join(page.html.get_text(" ").split())
    form = form_to(page, "/inbox/settings")
    checked = {box.id: box.checked for box in form.fields["sms_events"]}
    assert list(checked.values()) == [True, True, False, False, False]  # the two urgent ones by default
    for box in form.fields["sms_events"]:
        box.checked = box._value == "invitation_new"
    page = form.submit().follow()
    assert "短信提醒设置已保存" in page.text
    assert channels.sms_events(user) == ["invitation_new"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.sms_preferences"))
    assert entry.actor_id == user.id and entry.object_type == "notification_preferences"

    notify(user, "请签署服务协议 FD-9", event="agreement_to_sign")  # no longer chosen
    db.session.commit()
    assert messages(db, user) == []


def test_settings_page_in_english_and_without_a_phone(pages, make_user):
    user = make_user(Role.COUNSELOR, "130123", department_region="130123")
    pages.sign_in(user)
    page = pages.get("/inbox/settings")
    assert "没有登记手机号" in page.text
    english = pages.get("/lang/en?next=/inbox/settings").follow()
    assert "Text message settings" in english.text
    assert "没有登记手机号" not in english.text


def test_a_forged_choice_is_refused_and_nothing_saved(pages, make_user, db):
    user = make_user(Role.OPERATOR, "130123100", phone=PHONE)
    pages.sign_in(user)
    page = pages.get("/inbox/settings")
    form = form_to(page, "/inbox/settings")
    fields = [(k, v) for k, v in form.submit_fields() if k != "sms_events"] + [("sms_events", "drop_tables")]
    response = pages.post("/inbox/settings", fields)
    assert response.status_int == 200
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "notification.sms_preferences")) is None


def test_aliyun_signature_matches_the_documented_example():
    # Alibaba Cloud's SMS signature example (SendSms, signature version 1.0).
    params = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
              "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
              "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
              "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
              "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    signature, _query = channels.aliyun_sign(params, "testSecret")
    assert signature == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_backend_sends_through_the_http_api(app, make_user, db, monkeypatch):
    app.config.update(SMS_BACKEND="aliyun", SMS_ALIYUN_ACCESS_KEY_ID="id", SMS_ALIYUN_ACCESS_KEY_SECRET="secret",
                      SMS_ALIYUN_SIGN_NAME="辅导平台", SMS_ALIYUN_TEMPLATE_CODE="SMS_1")
    calls = []

    def fake_urlopen(url, timeout):
        calls.append(url)
        return io.BytesIO(json.dumps({"Code": "OK" if len(calls) == 1 else "isv.BUSINESS_LIMIT_CONTROL",
                                      "Message": "触发流控"}).encode())

    monkeypatch.setattr(channels.urllib.request, "urlopen", fake_urlopen)
    try:
        user = make_user(Role.OPERATOR, "130123100", phone=PHONE)
        notify(user, "请签署服务协议 FD-1", event="agreement_to_sign")
        notify(user, "请签署服务协议 FD-2", event="agreement_to_sign")
        db.session.commit()
        first, second = messages(db, user)
        assert first.status == "sent"
        assert second.status == "failed" and "BUSINESS_LIMIT_CONTROL" in second.error
        assert calls[0].startswith("https://dysmsapi.aliyuncs.com/?Signature=")
        assert f"PhoneNumbers={PHONE}" in calls[0] and "Action=SendSms" in calls[0]
    finally:
        app.config["SMS_BACKEND"] = "file"
