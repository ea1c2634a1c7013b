"""Access matrix for the service centers' pages, the public catalogue and their API."""

from __future__ import annotations

import io

import pytest

from marketplace.centers import services
from marketplace.centers.models import DocumentKind
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
from tests.marketplace.centers.conftest import PDF, attach_documents, center_input, offering_input

IN_SCOPE = {"national": OK, "province": OK, "city": OK, "county": OK, "center_staff": OK}
STAFF_ONLY = {"anonymous": FOUND, "center_staff": OK, "*": FORBIDDEN}

MATRIX = [
    (WEB, "GET", "/centers/", {"anonymous": FOUND, "counselor": FORBIDDEN, "operator": FORBIDDEN, "*": OK}),
    (WEB, "GET", "/centers/new", STAFF_ONLY),
    (WEB, "POST", "/centers/new", STAFF_ONLY),
    (WEB, "GET", "/centers/{filed}", {"anonymous": FOUND, **IN_SCOPE, "*": MISSING}),
    (WEB, "GET", "/centers/{draft}/edit", STAFF_ONLY),
    (WEB, "POST", "/centers/{draft}/edit", STAFF_ONLY),
    (WEB, "POST", "/centers/{draft}/documents", {"anonymous": FOUND, "center_staff": FOUND, "*": FORBIDDEN}),
    (WEB, "GET", "/centers/{filed}/documents/{document}", {"anonymous": FOUND, **IN_SCOPE, "*": MISSING}),
    (WEB, "POST", "/centers/{filed}/actions/warn", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                   "city": FOUND, "county": FOUND, "center_staff": FOUND,
                                                   "*": MISSING}),
    (WEB, "GET", "/centers/{filed}/offerings/new", STAFF_ONLY),
    (WEB, "POST", "/centers/{filed}/offerings/new", STAFF_ONLY),
    (WEB, "GET", "/centers/{filed}/offerings/{offering}/edit", STAFF_ONLY),
    (WEB, "POST", "/centers/{filed}/offerings/{offering}/edit", STAFF_ONLY),
    (WEB, "POST", "/centers/{filed}/offerings/{offering}/deactivate", {"anonymous": FOUND, "center_staff": FOUND,
                                                                      "*": FORBIDDEN}),
    (WEB, "POST", "/centers/{filed}/offerings/{offering}/activate", {"anonymous": FOUND, "center_staff": FOUND,
                                                                    "*": FORBIDDEN}),
    (WEB, "GET", "/catalogue/", {"*": OK}),
    (WEB, "GET", "/catalogue/{filed}", {"*": OK}),
    (API, "GET", "/api/v1/centers", {"anonymous": UNAUTH, "counselor": FORBIDDEN, "operator": FORBIDDEN, "*": OK}),
    (API, "POST", "/api/v1/centers", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/centers/{filed}", {"anonymous": UNAUTH, **IN_SCOPE, "*": MISSING}),
    (API, "PATCH", "/api/v1/centers/{draft}", {"anonymous": UNAUTH, **IN_SCOPE, "national": FORBIDDEN,
                                               "province": FORBIDDEN, "city": FORBIDDEN, "county": FORBIDDEN,
                                               "*": MISSING}),
    (API, "POST", "/api/v1/centers/{filed}/transitions", {"anonymous": UNAUTH, **IN_SCOPE,
                                                          "center_staff": FORBIDDEN, "*": MISSING}),
    (API, "GET", "/api/v1/centers/{filed}/documents", {"anonymous": UNAUTH, **IN_SCOPE, "*": MISSING}),
    (API, "POST", "/api/v1/centers/{filed}/documents", {"anonymous": UNAUTH, "national": FORBIDDEN,
                                                        "province": FORBIDDEN, "city": FORBIDDEN,
                                                        "county": FORBIDDEN, "center_staff": 400, "*": MISSING}),
    (API, "GET", "/api/v1/centers/{filed}/documents/{document}", {"anonymous": UNAUTH, **IN_SCOPE,
                                                                  "*": MISSING}),
    (API, "GET", "/api/v1/centers/{filed}/offerings", {"anonymous": UNAUTH, **IN_SCOPE, "*": MISSING}),
    (API, "POST", "/api/v1/centers/{filed}/offerings", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/centers/{filed}/offerings/{offering}", {"anonymous": UNAUTH, **IN_SCOPE,
                                                                  "*": MISSING}),
    (API, "PATCH", "/api/v1/centers/{filed}/offerings/{offering}", {"anonymous": UNAUTH, **IN_SCOPE,
                                                                    "national": FORBIDDEN, "province": FORBIDDEN,
                                                                    "city": FORBIDDEN, "county": FORBIDDEN,
                                                                    "*": MISSING}),
    (API, "GET", "/api/v1/catalogue", {"*": OK}),
    (API, "GET", "/api/v1/catalogue/{filed}", {"*": OK}),
]
BODIES = {
    "/actions/warn": {"reason": "测试"}, "/transitions": {"action": "warn", "reason": "测试"},
    "/api/v1/centers/{draft}": {"staff_count": 5}, "/offerings/{offering}": {"price_min": "100"},
}


@pytest.fixture
def subjects(world):
    staff, county = world["center_staff"], world["county"]
    draft = services.register_center(staff, center_input(name="草稿中心"))
    filed = services.register_center(staff, center_input(name="已备案中心"))
    attach_documents(staff, filed)
    services.transition(filed, "submit", staff)
    services.transition(filed, "file", county)
    offering = services.add_offering(staff, filed, offering_input())
    document = services.add_document(staff, filed, DocumentKind.PRICES, io.BytesIO(PDF), "a.pdf")
    db.session.commit()
    return {"draft": draft.id, "filed": filed.id, "offering": offering.id, "document": document.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = BODIES.get(path) if method == "PATCH" and path in BODIES else next(
        (b for suffix, b in BODIES.items() if path.endswith(suffix)), {})
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
