"""Switching the language: Chinese by default, English on request via /lang/<code>, safe `next` redirects.

The English catalog is edited by hand, so the expected words are read from messages.po rather than written
here. The test compiles that .po itself (as `pybabel compile --use-fuzzy` does in scripts/setup) into a
temporary folder and points Flask-Babel at it, so it does not depend on a stale or missing messages.mo.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import get_babel

from tests.conftest import text_of

PO_FILE = Path(__file__).resolve().parent.parent / "marketplace" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


@pytest.fixture
def english(app, tmp_path, monkeypatch):
    """The English catalog, compiled from messages.po and used by the app for this test.

    Returns a function giving the English text of a Chinese message (the Chinese itself when untranslated).
    """
    with PO_FILE.open("rb") as source:
        catalog: Catalog = read_po(source, locale="en")
    folder = tmp_path / "translations"
    (folder / "en" / "LC_MESSAGES").mkdir(parents=True)
    with (folder / "en" / "LC_MESSAGES" / "messages.mo").open("wb") as target:
        write_mo(target, catalog, use_fuzzy=True)

    config = get_babel(app)
    cache = config.instance.domain_instance.cache
    monkeypatch.setattr(config, "translation_directories", [str(folder)])
    cache.clear()

    def translate(msgid: str) -> str:
        message = catalog.get(msgid)
        return (message.string if message is not None and message.string else None) or msgid

    yield translate
    cache.clear()  # the next test loads the real catalog again


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True))
    assert match, "no <html lang>"
    return match.group(1)


def location_path(response) -> str:
    parts = urlsplit(response.headers["Location"])
    assert parts.netloc in ("", "localhost"), response.headers["Location"]
    return parts.path


def test_pages_are_chinese_by_default(client):
    response = client.get("/auth/login")
    assert html_lang(response) == "zh-CN"
    assert "登录辅导平台" in text_of(response)


def test_switching_to_english(client, english):
    response = client.get("/lang/en")
    assert response.status_code == 302
    assert location_path(response) == "/"

    page = client.get("/auth/login")
    assert page.status_code == 200
    assert html_lang(page) == "en"
    text = text_of(page)
    sign_in = english("登录")
    assert sign_in in text
    if sign_in != "登录":  # translated: the Chinese heading is gone
        assert re.search(r"[A-Za-z]", sign_in)
        assert english("登录辅导平台") in text
        assert "登录辅导平台" not in text


def test_english_is_kept_across_pages(client, english):
    client.get("/lang/en")
    landing = client.get("/")
    assert html_lang(landing) == "en"
    assert english("辅导平台") in text_of(landing)
    assert html_lang(client.get("/auth/register")) == "en"


def test_english_after_sign_in(client, make_user, login, english):
    client.get("/lang/en")
    login(make_user())
    page = client.get("/")
    assert html_lang(page) == "en"
    assert english("审计日志") in text_of(page)


def test_switching_back_to_chinese(client, english):
    client.get("/lang/en")
    client.get("/lang/zh_CN")
    response = client.get("/auth/login")
    assert html_lang(response) == "zh-CN"
    assert "登录辅导平台" in text_of(response)


def test_unknown_language_keeps_chinese(client, english):
    response = client.get("/lang/xx")
    assert response.status_code == 302
    assert location_path(response) == "/"
    page = client.get("/auth/login")
    assert html_lang(page) == "zh-CN"
    assert "登录辅导平台" in text_of(page)


def test_unknown_language_does_not_undo_a_choice(client, english):
    client.get("/lang/en")
    client.get("/lang/xx")
    assert html_lang(client.get("/auth/login")) == "en"


def test_next_is_followed_when_local(client):
    response = client.get("/lang/en?next=/auth/login")
    assert response.status_code == 302
    assert location_path(response) == "/auth/login"


@pytest.mark.parametrize("target", [
    "https://evil.example",
    "https://evil.example/auth/login",
    "//evil.example/path",
    "/\\evil.example",
    "javascript:alert(1)",
    "auth/login",
])
def test_next_leaving_the_site_is_ignored(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]
    assert location_path(response) == "/"


def test_api_messages_follow_accept_language(client, english):
    chinese = client.get("/api/v1/accounts").get_json()["error"]["message"]
    assert chinese == "未登录或令牌无效"
    response = client.get("/api/v1/accounts", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == english("未登录或令牌无效")


def test_translations_looked_up_once_per_request_still_follow_a_forced_locale(app):
    from flask import session
    from flask_babel import force_locale, gettext

    with app.test_request_context("/"):
        session["lang"] = "en"
        assert gettext("辅导员名录") == "Counselor directory"
        with force_locale("zh_CN"):
            assert gettext("辅导员名录") == "辅导员名录"
        assert gettext("辅导员名录") == "Counselor directory"
