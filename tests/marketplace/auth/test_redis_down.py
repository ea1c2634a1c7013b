"""Redis down degrades, not breaks: sign-in and the API keep working (the limiter counts in memory)."""

from __future__ import annotations

import socket
import time

import pytest

from marketplace.extensions import limiter
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def own_limiter():
    """init_app on another app rebinds the one limiter's storage; give the session's app its own back."""
    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_sign_in_and_the_api_work_while_the_limiter_store_is_down(make_app, database_url, world, own_limiter):
    other = make_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{_closed_port()}/0",
                      "RATELIMIT_LOGIN": "3 per minute"})
    client = other.test_client()
    user = world["county"]
    started = time.monotonic()
    page = client.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert page.status_code == 302 and page.headers["Location"] == "/"
    token = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    assert token.status_code == 201
    me = client.get("/api/v1/regions/130123", headers={"Authorization": "Bearer " + token.get_json()["token"]})
    assert me.status_code == 200
    elapsed = time.monotonic() - started
    assert elapsed < 15
    print(f"\nlimiter store down: sign-in, token and one API call answered in {elapsed:.2f} s")
    # the in-memory fallback still limits: 3 sign-in attempts a minute, then 429
    statuses = [client.post("/api/v1/auth/token", json={"username": user.username, "password": "x"}).status_code
                for _ in range(4)]
    assert statuses[-1] == 429
