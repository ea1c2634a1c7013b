from tests.conftest import text_of


def test_home_page_for_visitors_is_chinese_and_links_to_login(client):
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "千员带万社" in text
    assert "登录" in text


def test_security_headers_on_pages(client):
    response = client.get("/auth/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_http_only_and_same_site(client, make_user, login):
    response = login(make_user())
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_pages_load_no_asset_from_another_host(client, make_user, login):
    login(make_user())
    html = client.get("/").get_data(as_text=True) + client.get("/api/v1/docs").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html
    assert "/static/vendor/bootstrap/bootstrap.min.css" in html
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "未找到" in text_of(response)


def test_production_settings(monkeypatch, make_app, database_url):
    import pytest

    monkeypatch.setenv("FUDAO_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        from marketplace import create_app

        create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    monkeypatch.setenv("FUDAO_API_TOKEN_TTL", "600")
    app = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "a-real-secret-for-this-test"})
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["FORCE_HTTPS"] is True
    assert app.config["API_TOKEN_TTL"].total_seconds() == 600
    response = app.test_client().get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    assert app.test_client().get("/auth/login").status_code == 302  # plain http is redirected to https
