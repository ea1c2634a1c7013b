"""Counselors see the yearly update window on their own page: what is due by 30 June, what is missing, and a
button to confirm their data is current; the confirmation is in the record's history and the audit log and
the department sees it. Outside the window the page says when the next one opens and offers no button."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.directory import yearly
from marketplace.directory.models import Counselor
from marketplace.extensions import db
from tests.marketplace.needs.helpers import make_counselor
from tests.webpages import form_to


@pytest.fixture
def counselor(world):
    return make_counselor(world["county"], user=world["counselor"], title=None, employer=None)


@pytest.fixture
def in_window(monkeypatch):
    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 5, 10))


@pytest.fixture
def after_window(monkeypatch):
    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 10, 10))


def test_in_the_window_the_counselor_sees_what_is_due_and_confirms(pages, world, counselor, in_window):
    db.session.execute(db.update(Counselor).where(Counselor.id == counselor.id).values(data_year=2025))
    db.session.commit()
    pages.sign_in(world["counselor"])
    page = pages.get("/directory/me")
    card = page.html.select_one("[data-testid=own-window]").get_text(" ", strip=True)
    assert "维护期中，还剩 51 天" in card and "2026-06-30 前" in card and "2025 年度信息" in card
    due = page.html.select_one("[data-testid=own-window-due]").get_text(" ", strip=True)
    assert "待补充：" in due and "工作单位" in due and "职称" in due
    assert "记录的信息年度为 2025，今年尚未更新" in due
    page = form_to(page, "/directory/me/confirm").submit().follow()
    assert "已确认本人名录信息为最新" in page.text
    assert page.html.select_one("[data-testid=own-window-confirmed]") is not None
    assert "今年尚未更新" not in page.text and 'id="confirm-own"' not in page.text
    stored = db.session.get(Counselor, counselor.id)
    assert stored.self_confirmed_year == 2026 and stored.data_year == 2026
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.confirm_own_data"))
    assert entry.actor_id == world["counselor"].id and entry.details["data_year"] == 2025
    pages.sign_out()
    pages.sign_in(world["county"])
    record = pages.get(f"/directory/{counselor.id}")
    assert "确认信息为最新" in record.html.select_one("[data-testid=self-confirmed]").text
    assert "本人确认信息为最新" in record.text  # the history


def test_pressing_confirm_twice_changes_nothing_the_second_time(client, world, counselor, in_window, api_token):
    headers = api_token(world["counselor"])
    first = client.post(f"/api/v1/counselors/{counselor.id}/yearly/confirm", headers=headers)
    assert first.status_code == 200 and first.get_json()["is_confirmed"] is True
    second = client.post(f"/api/v1/counselors/{counselor.id}/yearly/confirm", headers=headers)
    assert second.status_code == 409 and "已确认过" in second.get_json()["error"]["message"]
    assert len(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "counselor.confirm_own_data")).all()) == 1


def test_outside_the_window_the_page_says_when_it_opens_and_refuses_a_confirmation(pages, world, counselor,
                                                                                    after_window, client,
                                                                                    api_token):
    pages.sign_in(world["counselor"])
    page = pages.get("/directory/me")
    card = page.html.select_one("[data-testid=own-window]").get_text(" ", strip=True)
    assert "不在维护期" in card and "2027-01-01" in card and 'id="confirm-own"' not in page.text
    refused = client.post(f"/api/v1/counselors/{counselor.id}/yearly/confirm",
                          headers=api_token(world["counselor"]))
    assert refused.status_code == 403 and "不在年度信息维护期" in refused.get_json()["error"]["message"]
    assert db.session.get(Counselor, counselor.id).self_confirmed_year is None


def test_the_api_shows_the_window_to_the_counselor_and_the_department(client, world, counselor, in_window,
                                                                      api_token):
    body = client.get(f"/api/v1/counselors/{counselor.id}/yearly", headers=api_token(world["county"])).get_json()
    assert body["is_open"] is True and body["end"] == "2026-06-30" and body["data_year"] == 2025
    assert set(body["missing"]) >= {"title", "employer"} and body["is_confirmed"] is False
    officials = client.post(f"/api/v1/counselors/{counselor.id}/yearly/confirm", headers=api_token(world["county"]))
    assert officials.status_code == 403  # only the counselor confirms their own data


def test_new_appointments_outside_the_window_are_recorded_as_this_years_data(world, after_window, monkeypatch):
    from marketplace.directory import services

    monkeypatch.setattr(services, "local_today", lambda: date(2026, 10, 10))
    counselor = make_counselor(world["county"])
    assert counselor.data_year == 2026 and counselor.status.value == "appointed"
