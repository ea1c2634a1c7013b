"""The anonymous public pages served from the short public cache (marketplace/publiccache.py)."""

from __future__ import annotations

import pytest

from marketplace import publiccache
from marketplace.extensions import db


@pytest.fixture
def cached(app):
    app.config["PUBLIC_PAGE_CACHE_SECONDS"] = 30
    publiccache.clear()
    yield
    app.config.pop("PUBLIC_PAGE_CACHE_SECONDS")
    publiccache.clear()


@pytest.mark.parametrize("path", ["/public/counselors", "/catalogue/"])
def test_an_anonymous_visitor_gets_a_public_cacheable_page_and_a_304_when_unchanged(client, cached, path,
                                                                                     query_counter):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["ETag"] and first.headers["Last-Modified"] and "Pragma" not in first.headers
    assert "Set-Cookie" not in first.headers
    with query_counter() as statements:
        again = client.get(path)
    assert again.get_data() == first.get_data() and not statements  # nothing read from the database
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_what_changes_shows_once_the_cached_page_expires(client, cached, world, appoint, app):
    assert "缓存后聘任" not in client.get("/public/counselors").get_data(as_text=True)
    appoint(world["county"], name="缓存后聘任")
    assert "缓存后聘任" not in client.get("/public/counselors").get_data(as_text=True)  # within 30 s
    publiccache.clear()  # as when the 30 s are over
    assert "缓存后聘任" in client.get("/public/counselors").get_data(as_text=True)


def test_a_signed_in_visitor_gets_the_page_rendered_for_them_and_no_store(client, cached, world, login, appoint):
    client.get("/public/counselors")  # an anonymous view fills the cache
    appoint(world["county"], name="登录后可见")
    login(world["county"])
    response = client.get("/public/counselors")
    assert "登录后可见" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_visitor_with_a_session_is_not_served_from_the_cache(client, cached, world, appoint):
    client.get("/public/counselors")
    appoint(world["county"], name="选过语言")
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = client.get("/public/counselors")
    assert "选过语言" in response.get_data(as_text=True) and response.headers["Cache-Control"] == "no-store"
    db.session.rollback()
