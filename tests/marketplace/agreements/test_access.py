"""Access matrix for the agreement pages and API. The subject is a draft agreement between the world's
operator (甲方) and the world's counselor (乙方) for a need in 正定镇, with one attachment, and a filed center's
offering in 正定县."""

from __future__ import annotations

import io

import pytest

from marketplace.agreements import records
from marketplace.extensions import db
from tests.access import (
    API,
    FORBIDDEN,
    FOUND,
    MISSING,
    OK,
    UNAUTH,
    WEB,
    access_cases,
    request_as,
)
from tests.marketplace.agreements.conftest import draft, filed_center_offering
from tests.marketplace.needs.helpers import make_need

IN_SCOPE = {"national": OK, "province": OK, "city": OK, "county": OK, "township": OK}
OFFICIALS = ("national", "province", "city", "county", "township")
OFFICIALS_FORBIDDEN = {name: FORBIDDEN for name in OFFICIALS}
PARTIES_ONLY = {"anonymous": FOUND, **OFFICIALS_FORBIDDEN, "operator": OK, "counselor": OK, "*": MISSING}
VISIBLE = {"anonymous": FOUND, **IN_SCOPE, "operator": OK, "counselor": OK, "*": MISSING}
API_VISIBLE = {"anonymous": UNAUTH, **IN_SCOPE, "operator": OK, "counselor": OK, "*": MISSING}

MATRIX = [
    (WEB, "GET", "/agreements/", {"anonymous": FOUND, "*": OK}),
    (WEB, "GET", "/agreements/export.xlsx", {"anonymous": FOUND, **IN_SCOPE, "other_province": OK,
                                             "*": FORBIDDEN}),
    (WEB, "POST", "/agreements/new/invitation/{invitation}", {"anonymous": FOUND, "operator": FOUND,
                                                              "*": FORBIDDEN}),
    (WEB, "GET", "/agreements/new/offering/{offering}", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/agreements/new/offering/{offering}", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/agreements/{agreement}", VISIBLE),
    (WEB, "GET", "/agreements/{agreement}/edit", PARTIES_ONLY),
    (WEB, "POST", "/agreements/{agreement}/edit", PARTIES_ONLY),
    (WEB, "POST", "/agreements/{agreement}/actions/propose", {**PARTIES_ONLY, "operator": FOUND,
                                                             "counselor": FOUND}),
    (WEB, "GET", "/agreements/{agreement}/acceptance", {**PARTIES_ONLY, "operator": FOUND,
                                                        "counselor": FORBIDDEN}),
    (WEB, "POST", "/agreements/{agreement}/acceptance", {**PARTIES_ONLY, "operator": FOUND,
                                                         "counselor": FORBIDDEN}),
    (WEB, "GET", "/agreements/{agreement}/records", VISIBLE),
    (WEB, "POST", "/agreements/{agreement}/records", {**PARTIES_ONLY, "operator": FORBIDDEN}),
    (WEB, "GET", "/agreements/{agreement}/attachments/{attachment}", VISIBLE),
    (WEB, "GET", "/agreements/{agreement}/agreement.pdf", VISIBLE),
    # without a purpose, back to the agreement with the message
    (WEB, "POST", "/agreements/{agreement}/agreement-full.pdf", {**{k: FOUND for k, v in VISIBLE.items() if v == OK},
                                                                "anonymous": FOUND, "*": MISSING}),
    (API, "GET", "/api/v1/agreements", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/agreements", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/agreements/{agreement}", API_VISIBLE),
    (API, "PATCH", "/api/v1/agreements/{agreement}", {**API_VISIBLE, **OFFICIALS_FORBIDDEN}),
    (API, "POST", "/api/v1/agreements/{agreement}/transitions", {**API_VISIBLE, **OFFICIALS_FORBIDDEN}),
    (API, "GET", "/api/v1/agreements/{agreement}/records", API_VISIBLE),
    (API, "POST", "/api/v1/agreements/{agreement}/records", {**API_VISIBLE, **OFFICIALS_FORBIDDEN,
                                                             "operator": FORBIDDEN, "counselor": 409}),
    (API, "GET", "/api/v1/agreements/{agreement}/agreement.pdf", API_VISIBLE),
    (API, "GET", "/api/v1/agreements/{agreement}/attachments", API_VISIBLE),
    (API, "GET", "/api/v1/agreements/{agreement}/attachments/{attachment}", API_VISIBLE),
    (API, "POST", "/api/v1/agreements/{agreement}/records/with-photos", {**API_VISIBLE, **OFFICIALS_FORBIDDEN,
                                                                         "operator": FORBIDDEN,
                                                                         "counselor": 409}),
    (API, "POST", "/api/v1/agreements/{agreement}/items/{item}/photos", {**API_VISIBLE, **OFFICIALS_FORBIDDEN,
                                                                        "operator": 409,
                                                                        "counselor": FORBIDDEN}),
]
BODIES = {"PATCH": {"title": "新的协议名称"}, "/transitions": {"action": "propose"},
          "/records": {"served_on": "2026-11-01", "kind": "visit", "content": "上门指导"},
          "/with-photos": {"served_on": "2026-11-01", "kind": "visit", "content": "上门指导"},
          "/photos": {}}


@pytest.fixture
def subjects(world):
    agreement = draft(world)
    attachment = records.attach(world["counselor"], agreement, io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "方案.pdf")
    make_need(world["operator"])  # an open need the offering could be bought for
    _center, offering = filed_center_offering(world)
    db.session.commit()
    return {"agreement": agreement.id, "invitation": agreement.invitation_id, "attachment": attachment.id,
            "offering": offering.id, "item": agreement.items[0].id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = BODIES.get("PATCH") if method == "PATCH" else next(
        (b for suffix, b in BODIES.items() if path.endswith(suffix)), {})
    if kind == WEB and method == "POST" and path.endswith("/records"):
        body = {"content": ""}
    files = None
    if path.endswith(("/with-photos", "/photos")):  # multipart, as the documented request body says
        files, body = dict(body), {}
        if path.endswith("/items/{item}/photos"):
            files["file"] = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 32), "photo.png")
    response = request_as(client, world.get(actor), kind, method, url, body, files=files)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
