"""Access matrix of the claim pages and API (see tests/marketplace/test_access.py for the format).

The subjects: a cooperative in 正定镇 (130123100) imported by the county official of 正定县, with a pending
claim by the world's operator, and a second imported cooperative nobody has claimed yet (the body of the
claim POSTs). The Beijing official is the other jurisdiction; the township official sees but cannot decide.
"""

from __future__ import annotations

import pytest

from marketplace.accounts.models import Role
from marketplace.entities import claims
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
from tests.marketplace.entities.conftest import imported_entity

OFFICIALS = ("national", "province", "other_province", "city", "county", "township")
IN_SCOPE = {"national": OK, "province": OK, "city": OK, "county": OK, "township": OK}
REVIEWERS_WEB = {"national": FOUND, "province": FOUND, "city": FOUND, "county": FOUND}
REVIEWERS_API = {"national": OK, "province": OK, "city": OK, "county": OK}
OFFICIALS_FORBIDDEN = {name: FORBIDDEN for name in OFFICIALS}

MATRIX = [
    (WEB, "GET", "/entities/claims/new", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/claims/new", {"anonymous": FOUND, "operator": FOUND, "*": FORBIDDEN}),
    (WEB, "GET", "/entities/claims", {"anonymous": FOUND, **{name: OK for name in OFFICIALS}, "*": FORBIDDEN}),
    (WEB, "GET", "/entities/claims/{claim}", {"anonymous": FOUND, **IN_SCOPE, "operator": OK, "*": MISSING}),
    (WEB, "POST", "/entities/claims/{claim}/approve", {"anonymous": FOUND, **REVIEWERS_WEB, "township": FORBIDDEN,
                                                       "other_province": MISSING, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/claims/{claim}/reject", {"anonymous": FOUND, **REVIEWERS_WEB, "township": FORBIDDEN,
                                                      "other_province": MISSING, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/claims/{claim}/withdraw", {"anonymous": FOUND, "operator": FOUND, "*": FORBIDDEN}),
    (API, "GET", "/api/v1/entities/claims", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/entities/claims", {"anonymous": UNAUTH, "operator": 201, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/entities/claims/{claim}/approve", {"anonymous": UNAUTH, **REVIEWERS_API,
                                                              "township": FORBIDDEN, "operator": FORBIDDEN,
                                                              "*": MISSING}),
    (API, "POST", "/api/v1/entities/claims/{claim}/reject", {"anonymous": UNAUTH, **REVIEWERS_API,
                                                             "township": FORBIDDEN, "operator": FORBIDDEN,
                                                             "*": MISSING}),
    (API, "POST", "/api/v1/entities/claims/{claim}/withdraw", {"anonymous": UNAUTH, **IN_SCOPE,
                                                               **{n: FORBIDDEN for n in IN_SCOPE},
                                                               "operator": OK, "*": MISSING}),
]


@pytest.fixture
def subjects(world):
    held = imported_entity(world["county"])
    claim = claims.submit_claim(world["operator"], claims.Lookup(credit_code=held.credit_code),
                                claims.Proof("赵德山", "13931155555"))
    free = imported_entity(world["county"])
    db.session.commit()
    return {"claim": claim.id, "free_code": free.credit_code}


def _body(path: str, subjects: dict) -> dict:
    if path.endswith("/claims/new") or path.endswith("/claims"):
        return {"credit_code": subjects["free_code"], "legal_representative": "赵德山",
                "contact_phone": "13931155555"}
    if path.endswith("/reject"):
        return {"reason": "电话与登记信息不符"}
    return {}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    body = _body(path, subjects) if method == "POST" else None
    response = request_as(client, world.get(actor), kind, method, path.format(**subjects), body)
    assert response.status_code == status, response.get_data(as_text=True)[:400]


@pytest.mark.parametrize("kind", [WEB, API])
def test_another_operator_cannot_see_or_withdraw_the_claim(client, world, subjects, make_user, kind):
    stranger = make_user(Role.OPERATOR, region_code="130123100")
    base = "/api/v1/entities/claims" if kind == API else "/entities/claims"
    if kind == WEB:
        assert request_as(client, stranger, WEB, "GET", f"{base}/{subjects['claim']}").status_code == MISSING
    assert request_as(client, stranger, kind, "POST",
                      f"{base}/{subjects['claim']}/withdraw").status_code == MISSING


def test_the_claimant_page_names_only_the_entity(client, world, subjects):
    response = request_as(client, world["operator"], WEB, "GET", f"/entities/claims/{subjects['claim']}")
    html = response.get_data(as_text=True)
    assert "与登记信息" not in html and "通过认领" not in html
