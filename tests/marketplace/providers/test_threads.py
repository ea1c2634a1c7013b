"""Asking before inviting: the operator asks a candidate about a need, the candidate answers, both are
notified; phone and ID numbers are refused; who reads the thread and who does not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.providers.models import NeedMessage
from marketplace.providers.threads import contains_personal_data
from tests.access import request_as
from tests.conftest import text_of
from tests.marketplace.needs.helpers import make_counselor, make_need
from tests.webpages import form_to


@pytest.fixture
def thread(world):
    counselor = make_counselor(world["county"], user=world["counselor"])
    need = make_need(world["operator"])
    return need, counselor, f"/providers/questions/{need.id}/counselor/{counselor.id}"


@pytest.mark.parametrize("text", [
    "电话13931100002", "打 139 3110 0002", "139-3110-0002", "１３９３１１００００２", "+8613931100002",
    "座机 0311-88776655", "身份证130123198001010016", "130123 19800101 001x", "老号130123800101001"])
def test_phone_and_id_numbers_are_found(text):
    assert contains_personal_data(text)


@pytest.mark.parametrize("text", [
    "12月4日 14:00 上门", "2025-12-04 可以", "费用 2400 元", "每户 3 次，共 12 户", "面积 350 亩", ""])
def test_ordinary_text_passes(text):
    assert not contains_personal_data(text)


def test_ask_answer_and_both_notified(pages, world, thread):
    need, counselor, url = thread
    pages.sign_in(world["operator"])
    form = form_to(pages.get(url), url)
    form["body"] = "请问可以周末上门吗？费用大概多少？"
    page = form.submit().follow()
    assert "请问可以周末上门吗" in page.text and "已发送" in page.text
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["counselor"].id))
    assert note is not None and need.title in note.title and note.link == url
    pages.sign_out()
    pages.sign_in(world["counselor"])
    inbox = pages.get("/needs/inbox")
    assert url in inbox.text and "待回复" in inbox.text
    form = form_to(pages.get(url), url)
    form["body"] = "周末可以，按项目报价。"
    page = form.submit().follow()
    assert "周末可以" in page.text
    assert db.session.scalar(select(Notification).where(Notification.user_id == world["operator"].id,
                                                        Notification.link == url))
    pages.sign_out()
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}")
    assert page.html.select("[data-testid=threads]") and counselor.name in page.text


def test_a_phone_number_is_refused_and_nothing_written(pages, world, thread):
    _need, _counselor, url = thread
    pages.sign_in(world["operator"])
    form = form_to(pages.get(url), url)
    form["body"] = "方便的话打我电话 139 3110 0002"
    page = form.submit()
    assert page.status_int == 200 and "不能包含电话号码或身份证号" in page.text
    assert db.session.scalar(select(NeedMessage)) is None


def test_an_empty_or_long_message_is_refused(pages, world, thread):
    _need, _counselor, url = thread
    pages.sign_in(world["operator"])
    form = form_to(pages.get(url), url)
    form["body"] = ""
    assert "请填写内容" in form.submit().text
    form = form_to(pages.get(url), url)
    form["body"] = "长" * 301
    assert "最多 300 字" in form.submit().text
    assert db.session.scalar(select(NeedMessage)) is None


def test_the_candidate_cannot_open_a_thread(client, world, thread):
    _need, _counselor, url = thread
    response = request_as(client, world["counselor"], "web", "GET", url)
    assert response.status_code == 200 and 'data-testid="message-form"' not in response.get_data(as_text=True)
    request_as(client, world["counselor"], "web", "POST", url, {"body": "您好"})
    assert db.session.scalar(select(NeedMessage)) is None


def test_who_reads_the_thread(client, world, make_user, thread):
    from marketplace.accounts.models import Role
    from marketplace.providers import threads

    need, counselor, url = thread
    threads.post(world["operator"], need, threads.candidate_or_404("counselor", counselor.id), "周末可以吗？")
    db.session.commit()
    for actor in ("operator", "counselor", "township", "county", "city", "province", "national"):
        response = request_as(client, world[actor], "web", "GET", url)
        assert response.status_code == 200 and "周末可以吗" in text_of(response), actor
        client.post("/auth/logout")
    for actor in ("other_province", "center_staff"):
        assert request_as(client, world[actor], "web", "GET", url).status_code == 404, actor
        client.post("/auth/logout")
    other_operator = make_user(Role.OPERATOR, region_code="130123100")
    assert request_as(client, other_operator, "web", "GET", url).status_code == 404
    client.post("/auth/logout")
    assert client.get(url).status_code == 302  # anonymous: to sign in
    # officials read, they do not write
    request_as(client, world["county"], "web", "POST", url, {"body": "官员留言"})
    assert len(threads.messages(need, threads.candidate_or_404("counselor", counselor.id))) == 1
