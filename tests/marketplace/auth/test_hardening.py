"""Trusted proxies, no caching of pages, and logs without bound SQL parameters."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from marketplace.auth.models import LoginThrottle
from marketplace.extensions import db
from tests.conftest import text_of


def _throttle_keys() -> set[str]:
    return set(db.session.scalars(select(LoginThrottle.key).where(LoginThrottle.key.like("addr:%"))))


def _fail_sign_in(client, **headers):
    client.post("/auth/login", data={"username": "nobody", "password": "x"}, headers=headers,
                environ_base={"REMOTE_ADDR": "10.1.1.1"})


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client):
    _fail_sign_in(client, **{"X-Forwarded-For": "6.6.6.6"})
    assert _throttle_keys() == {"addr:10.1.1.1"}  # a client cannot choose the address it is throttled under


@pytest.mark.parametrize(("hops", "seen"), [(1, "addr:2.2.2.2"), (2, "addr:1.1.1.1")])
def test_x_forwarded_for_is_trusted_from_the_configured_number_of_proxies(make_app, database_url, hops, seen):
    other = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": hops,
                      "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": False})
    with other.app_context():
        _fail_sign_in(other.test_client(), **{"X-Forwarded-For": "1.1.1.1, 2.2.2.2"})
    assert seen in _throttle_keys()


def test_production_trusts_one_proxy_and_requires_a_second_factor_above_the_city(monkeypatch, make_app, database_url):
    monkeypatch.setenv("FUDAO_ENV", "production")
    other = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "a-real-secret-for-this-test"})
    assert other.config["TRUSTED_PROXIES"] == 1
    assert other.config["TOTP_REQUIRED_LEVELS"] == ["national", "province"]


def test_pages_and_json_holding_personal_data_are_never_cached(client, make_user, login, api_token):
    user = make_user()
    headers = api_token(user)
    login(user)
    for response in (client.get(f"/accounts/{make_user(region_code='130100').id}"), client.get("/auth/login"),
                     client.get("/api/v1/notifications", headers=headers), client.get("/no-such-page")):
        assert response.headers["Cache-Control"] == "no-store", response.request.path
    static = client.get("/static/css/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_sql_errors_in_logs_carry_no_bound_parameters(app, make_user, caplog):
    assert db.engine.hide_parameters is True
    make_user(username="taken")
    secret_phone = "13912345678"
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(text("INSERT INTO users (username, password_hash, role, display_name, phone_masked, "
                                "region_code, is_enabled, must_change_password, created_at) VALUES "
                                "('taken', 'x', 'official', :name, :phone, '130000', true, false, "
                                "CURRENT_TIMESTAMP)"), {"name": "张三", "phone": secret_phone})
    db.session.rollback()
    message = str(caught.value)
    assert "parameters hidden" in message  # SQLAlchemy's own part; PostgreSQL's DETAIL may still repeat values
    if db.engine.dialect.name != "postgresql":
        assert secret_phone not in message and "张三" not in message
    with caplog.at_level(logging.ERROR):
        logging.getLogger("marketplace").exception("failure", exc_info=caught.value)
    assert secret_phone not in caplog.text and "张三" not in caplog.text  # the DETAIL line is redacted


def test_an_error_page_does_not_show_the_sql(client):
    response = client.get("/no-such-page")
    assert "SELECT" not in text_of(response)
