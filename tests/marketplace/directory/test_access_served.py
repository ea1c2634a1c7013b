"""The access matrix of the 服务主体类型和数量 routes (see tests/marketplace/test_access.py for the format)."""

from __future__ import annotations

import pytest

from marketplace.directory.models import OffPlatformService
from marketplace.entities.models import EntityType
from marketplace.extensions import db
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.needs.helpers import make_counselor


@pytest.fixture
def counselor(world):
    return make_counselor(world["county"], user=world["counselor"])


MATRIX = [
    (WEB, "POST", "/directory/{counselor}/served", {"anonymous": FOUND, "county": FOUND, "national": FORBIDDEN,
                                                    "province": FORBIDDEN, "city": FORBIDDEN,
                                                    "other_province": MISSING, "township": MISSING,
                                                    "*": FORBIDDEN}),
    (WEB, "POST", "/directory/{counselor}/served/{entry}/remove", {
        "anonymous": FOUND, "county": FOUND, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN,
        "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}),
    (API, "GET", "/api/v1/counselors/{counselor}/served", {
        "anonymous": UNAUTH, "national": OK, "province": OK, "city": OK, "county": OK, "counselor": OK,
        "*": MISSING}),
    (API, "POST", "/api/v1/counselors/{counselor}/served", {
        "anonymous": UNAUTH, "county": 201, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN,
        "counselor": FORBIDDEN, "*": MISSING}),
    (API, "DELETE", "/api/v1/counselors/{counselor}/served/{entry}", {
        "anonymous": UNAUTH, "county": 204, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN,
        "counselor": FORBIDDEN, "*": MISSING}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, counselor, kind, method, path, actor, status):
    entry = OffPlatformService(counselor_id=counselor.id, department_region_code="130123",
                               entity_type=EntityType.COOPERATIVE, count=1, year=2025,
                               recorded_by_id=world["county"].id)
    db.session.add(entry)
    db.session.commit()
    url = path.format(counselor=counselor.id, entry=entry.id)
    body = {"entity_type": "cooperative", "count": 2, "year": 2025}
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
