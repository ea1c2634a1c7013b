"""The access matrix of the counselor's own yearly window (see tests/marketplace/test_access.py for the format)."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.directory import yearly
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.needs.helpers import make_counselor


@pytest.fixture
def counselor(world):
    return make_counselor(world["county"], user=world["counselor"])


@pytest.fixture
def in_window(monkeypatch):
    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 5, 10))


MATRIX = [
    (WEB, "POST", "/directory/me/confirm", {"anonymous": FOUND, "counselor": FOUND, "*": FORBIDDEN}),
    (API, "GET", "/api/v1/counselors/{counselor}/yearly", {
        "anonymous": UNAUTH, "national": OK, "province": OK, "city": OK, "county": OK, "counselor": OK,
        "*": MISSING}),
    (API, "POST", "/api/v1/counselors/{counselor}/yearly/confirm", {
        "anonymous": UNAUTH, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN, "county": FORBIDDEN,
        "counselor": OK, "*": MISSING}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, counselor, in_window, kind, method, path, actor, status):
    response = request_as(client, world.get(actor), kind, method, path.format(counselor=counselor.id), {})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
