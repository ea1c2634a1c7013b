"""Access matrix for the directory's own routes (records, lifecycle, own profile, review, public list, API)."""

from __future__ import annotations

import pytest

from marketplace.directory import services
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

OFFICIALS_IN_SCOPE = {"national": OK, "province": OK, "city": OK, "county": OK}
NOT_IN_SCOPE = {"other_province": MISSING, "township": MISSING}

MATRIX = [
    (WEB, "GET", "/directory/", {"anonymous": FOUND, "counselor": FOUND, "operator": FORBIDDEN,
                                 "center_staff": FORBIDDEN, "*": OK}),
    (WEB, "GET", "/directory/new", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                    "city": OK, "county": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/directory/new", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                     "city": OK, "county": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/{counselor}", {"anonymous": FOUND, **OFFICIALS_IN_SCOPE, "counselor": OK,
                                            "*": MISSING}),
    (WEB, "GET", "/directory/{counselor}/edit", {"anonymous": FOUND, "county": OK, "national": FORBIDDEN,
                                                 "province": FORBIDDEN, "city": FORBIDDEN, **NOT_IN_SCOPE,
                                                 "*": FORBIDDEN}),
    (WEB, "POST", "/directory/{counselor}/edit", {"anonymous": FOUND, "county": OK, "national": FORBIDDEN,
                                                  "province": FORBIDDEN, "city": FORBIDDEN, **NOT_IN_SCOPE,
                                                  "*": FORBIDDEN}),
    (WEB, "POST", "/directory/{counselor}/actions/suspend", {"anonymous": FOUND, "national": FOUND,
                                                             "province": FOUND, "city": FOUND, "county": FOUND,
                                                             **NOT_IN_SCOPE, "*": FORBIDDEN}),
    (WEB, "POST", "/directory/{counselor}/reveal", {"anonymous": FOUND, "county": OK, "counselor": OK,
                                                    "national": FOUND, "province": FOUND, "city": FOUND,
                                                    "*": MISSING}),
    (WEB, "POST", "/directory/{counselor}/account", {"anonymous": FOUND, "county": FOUND, "national": FOUND,
                                                     "province": FOUND, "city": FOUND, **NOT_IN_SCOPE,
                                                     "*": FORBIDDEN}),
    (WEB, "GET", "/directory/me", {"anonymous": FOUND, "counselor": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/directory/me", {"anonymous": FOUND, "counselor": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/requests", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                         "city": OK, "county": OK, "township": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/requests/{request}", {"anonymous": FOUND, **OFFICIALS_IN_SCOPE, "counselor": OK,
                                                   "*": MISSING}),
    (WEB, "POST", "/directory/requests/{request}", {"anonymous": FOUND, **OFFICIALS_IN_SCOPE, "county": FOUND,
                                                    "counselor": OK, "*": MISSING}),
    (WEB, "GET", "/public/counselors", {"*": OK}),
    (API, "GET", "/api/v1/counselors", {"anonymous": UNAUTH, "operator": FORBIDDEN, "center_staff": FORBIDDEN,
                                        "*": OK}),
    (API, "POST", "/api/v1/counselors", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/counselors/{counselor}", {"anonymous": UNAUTH, **OFFICIALS_IN_SCOPE, "counselor": OK,
                                                    "*": MISSING}),
    (API, "PATCH", "/api/v1/counselors/{counselor}", {"anonymous": UNAUTH, "county": OK, "national": FORBIDDEN,
                                                      "province": FORBIDDEN, "city": FORBIDDEN,
                                                      "counselor": FORBIDDEN, "*": MISSING}),
    (API, "POST", "/api/v1/counselors/{counselor}/transitions", {"anonymous": UNAUTH, "county": OK,
                                                                 "national": FORBIDDEN, "province": FORBIDDEN,
                                                                 "city": FORBIDDEN, "counselor": FORBIDDEN,
                                                                 "*": MISSING}),
]
BODIES = {
    "/actions/suspend": {"reason": "测试"}, "/reveal": {"reason": "核对"}, "/account": {"username": "fdy_matrix"},
    "/requests/{request}": {"decision": "approve"}, "/transitions": {"action": "suspend", "reason": "测试"},
    "PATCH": {"capacity": 3},
}


@pytest.fixture
def subjects(world, appoint, monkeypatch):
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)  # the matrix must not depend on the date
    counselor = appoint(world["county"])
    counselor.user_id = world["counselor"].id
    db.session.commit()
    request = services.update_own_profile(world["counselor"], counselor, {}, {"capacity": 9}, "申请")
    db.session.commit()
    return {"counselor": counselor.id, "request": request.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = BODIES.get("PATCH") if method == "PATCH" else next(
        (b for suffix, b in BODIES.items() if path.endswith(suffix)), {})
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
