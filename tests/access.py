"""Helpers for the access matrices (tests/**/test_access*.py): each area lists, per route, the status each
actor gets; `tests/marketplace/test_access.py` fails when any route of the app has no row anywhere."""

from __future__ import annotations

from tests.conftest import TEST_PASSWORD

ACTORS = ["anonymous", "national", "province", "other_province", "city", "county", "township", "counselor",
          "operator", "center_staff"]
WEB = "web"
API = "api"
OK, FOUND, FORBIDDEN, MISSING, UNAUTH = 200, 302, 403, 404, 401


def expected_status(expected: dict[str, int], actor: str) -> int:
    return expected.get(actor, expected.get("*"))


def request_as(client, user, kind: str, method: str, url: str, body: dict | None = None, files=None):
    """Send one request as `user` (None: anonymous): a signed-in session for pages, a bearer token for the API."""
    headers = {}
    if user is not None and kind == WEB:
        client.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
    if user is not None and kind == API:
        token = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
        headers["Authorization"] = "Bearer " + token.get_json()["token"]
    if kind == API and files is None:
        return client.open(url, method=method, headers=headers, json=body if method in ("POST", "PATCH") else None)
    data = dict(body or {})
    if files:
        data.update(files)
    return client.open(url, method=method, headers=headers, data=data)


def access_cases(matrix) -> list:
    """One pytest param per (route row, actor): (kind, method, path, actor, expected status)."""
    import pytest

    return [pytest.param(kind, method, path, actor, expected_status(expected, actor),
                         id=f"{kind} {method} {path} as {actor}")
            for kind, method, path, expected in matrix for actor in ACTORS]
