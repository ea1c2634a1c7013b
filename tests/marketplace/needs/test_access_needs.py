"""Access matrix for the need pages, the counselor's inbox and the needs/invitations API. The subject is an
open need in 正定镇 posted by the world's operator, with a pending invitation to the world's counselor."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.needs import invitations
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
from tests.marketplace.needs.helpers import make_counselor, make_need

IN_SCOPE = {"national": OK, "province": OK, "city": OK, "county": OK, "township": OK}
OFFICIALS_FORBIDDEN = {"national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN, "county": FORBIDDEN,
                       "township": FORBIDDEN}

MATRIX = [
    (WEB, "GET", "/needs/", {"anonymous": FOUND, "counselor": FOUND, "center_staff": FORBIDDEN, "*": OK}),
    (WEB, "GET", "/needs/new", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/needs/new", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/needs/inbox", {"anonymous": FOUND, "counselor": OK, "center_staff": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/needs/{need}", {"anonymous": FOUND, **IN_SCOPE, "operator": OK, "counselor": OK,
                                   "*": MISSING}),
    (WEB, "GET", "/needs/{need}/edit", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/needs/{need}/edit", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/needs/{need}/actions/cancel", {"anonymous": FOUND, "operator": FOUND, "*": FORBIDDEN}),
    (WEB, "POST", "/needs/{need}/invite", {"anonymous": FOUND, "operator": FOUND, "*": FORBIDDEN}),
    # the counselor is already invited (so the need is not "recommended": refused with a message); the
    # center staff's centers do not see the need (404)
    (WEB, "POST", "/needs/{need}/interest", {"anonymous": FOUND, "counselor": FOUND, "center_staff": MISSING,
                                             "*": FORBIDDEN}),
    (WEB, "POST", "/needs/invitations/{invitation}/answer", {"anonymous": FOUND, "counselor": FOUND,
                                                             "center_staff": MISSING, "*": FORBIDDEN}),
    (API, "GET", "/api/v1/needs", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/needs", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/needs/{need}", {"anonymous": UNAUTH, **IN_SCOPE, "operator": OK, "counselor": OK,
                                          "*": MISSING}),
    (API, "PATCH", "/api/v1/needs/{need}", {"anonymous": UNAUTH, **OFFICIALS_FORBIDDEN, "operator": OK,
                                            "*": MISSING}),
    (API, "DELETE", "/api/v1/needs/{need}", {"anonymous": UNAUTH, **OFFICIALS_FORBIDDEN, "operator": 409,
                                             "*": MISSING}),
    (API, "POST", "/api/v1/needs/{need}/transitions", {"anonymous": UNAUTH, **OFFICIALS_FORBIDDEN,
                                                       "operator": OK, "*": MISSING}),
    (API, "GET", "/api/v1/needs/{need}/matches?kind=all", {"anonymous": UNAUTH, **IN_SCOPE, "operator": OK,
                                                           "*": MISSING}),
    (API, "GET", "/api/v1/invitations", {"anonymous": UNAUTH, "*": OK}),
    (API, "GET", "/api/v1/needs/recommended", {"anonymous": UNAUTH, "counselor": OK, "center_staff": OK,
                                               "*": FORBIDDEN}),
    (API, "POST", "/api/v1/invitations", {"anonymous": UNAUTH, "*": 422}),
    (API, "POST", "/api/v1/invitations/{invitation}/answer", {"anonymous": UNAUTH, "counselor": OK,
                                                              "*": MISSING}),
]
BODIES = {"/transitions": {"action": "cancel"}, "/answer": {"decision": "accept"},
          "PATCH": {"title": "新标题"}, "/actions/cancel": {"reason": "测试"}}


@pytest.fixture
def subjects(world):
    counselor = make_counselor(world["county"], world["counselor"])
    need = make_need(world["operator"])
    invitation = invitations.invite(world["operator"], need, "counselor", counselor.id)
    db.session.commit()
    return {"need": need.id, "invitation": invitation.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = BODIES.get("PATCH") if method == "PATCH" else next(
        (b for suffix, b in BODIES.items() if path.endswith(suffix)), {})
    if kind == API and path.endswith("/answer"):
        body = {"accept": True}
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
