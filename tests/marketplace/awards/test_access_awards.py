"""The access matrix of the award pages and API (format: tests/marketplace/test_access.py). The subject is a
county-level nomination by 正定县 (130123) of its 优秀 counselor, submitted to 石家庄市 (130100)."""

from __future__ import annotations

import pytest

from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.awards.conftest import YEAR, nominate

OFFICIALS = {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK,
             "township": OK, "*": FORBIDDEN}
# Townships do not nominate; every department from the county up does (its own jurisdiction).
NOMINATORS = {**OFFICIALS, "township": FORBIDDEN}
# Officials of the jurisdiction read it; the counselor sees it only once approved.
READERS = {"anonymous": FOUND, "national": OK, "province": OK, "city": OK, "county": OK, "other_province": MISSING,
           "township": MISSING, "counselor": MISSING, "center_staff": MISSING, "*": FORBIDDEN}
# Approve: the city (the level above) acts; the county is a party, refused with a message (302); officials
# further up read it but are no party (403).
DECIDE = {"anonymous": FOUND, "city": FOUND, "county": FOUND, "national": FORBIDDEN, "province": FORBIDDEN,
          "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/awards/", {**OFFICIALS, "counselor": OK, "center_staff": OK}),
    (WEB, "GET", "/awards/new", NOMINATORS),
    (WEB, "POST", "/awards/new", NOMINATORS),  # an empty form: the page again with messages
    (WEB, "GET", "/awards/{award}", READERS),
    (WEB, "POST", "/awards/{award}/actions/approve", DECIDE),
    (WEB, "GET", "/public/awards/", {"*": OK}),
    (API, "GET", "/api/v1/awards", {"anonymous": UNAUTH, "*": OK}),  # others get their own approved ones
    (API, "GET", "/api/v1/awards/{award}", {"anonymous": UNAUTH, "national": OK, "province": OK, "city": OK,
                                            "county": OK, "*": MISSING}),
    # The county's own level is taken (409); the levels above nominate for theirs (201); another province has
    # no such counselor (400); townships and non-officials may not nominate (403).
    (API, "POST", "/api/v1/awards", {"anonymous": UNAUTH, "county": 409, "city": 201, "province": 201,
                                     "national": 201, "other_province": 400, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/awards/{award}/transitions", {"anonymous": UNAUTH, "city": OK, "county": FORBIDDEN,
                                                         "national": FORBIDDEN, "province": FORBIDDEN,
                                                         "*": MISSING}),
]
BODIES = {("POST", "/api/v1/awards/{award}/transitions"): lambda s: {"action": "approve"},
          ("POST", "/api/v1/awards"): lambda s: {"subject": "counselor", "subject_id": s["counselor"],
                                                 "year": YEAR, "reason": "全年服务合作社 12 家。"}}


@pytest.fixture
def subjects(world, graded):
    award = nominate(world["county"], graded["star"], submit=True)
    return {"award": award.id, "counselor": graded["star"].id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = BODIES.get((method, path), lambda s: {})(subjects)
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
