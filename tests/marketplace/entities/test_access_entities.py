"""Access matrix for the entity pages and API. The subject is a cooperative in 正定镇 (130123100) registered by
the world's operator, with one posted need (so it cannot be deleted)."""

from __future__ import annotations

import pytest

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
from tests.marketplace.needs.helpers import make_entity, make_need

IN_SCOPE = {"national": OK, "province": OK, "city": OK, "county": OK, "township": OK}
OUT_OF_SCOPE = {"other_province": MISSING, "counselor": MISSING, "center_staff": MISSING}
OFFICIALS_FORBIDDEN = {"national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN, "county": FORBIDDEN,
                       "township": FORBIDDEN}

MATRIX = [
    (WEB, "GET", "/entities/", {"anonymous": FOUND, "counselor": FORBIDDEN, "center_staff": FORBIDDEN, "*": OK}),
    (WEB, "GET", "/entities/new", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/new", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/entities/{entity}", {"anonymous": FOUND, **IN_SCOPE, "operator": OK, "*": MISSING}),
    (WEB, "GET", "/entities/{entity}/edit", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/{entity}/edit", {"anonymous": FOUND, "operator": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/{entity}/verify", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                "city": FOUND, "county": FOUND, "township": FOUND,
                                                "other_province": MISSING, "*": FORBIDDEN}),
    (WEB, "POST", "/entities/{entity}/reveal", {"anonymous": FOUND, **IN_SCOPE, "other_province": MISSING,
                                                "*": FORBIDDEN}),
    (API, "GET", "/api/v1/entities", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/entities/{entity}/reveal", {"anonymous": UNAUTH, **IN_SCOPE, "operator": FORBIDDEN,
                                                       "*": MISSING}),
    (API, "POST", "/api/v1/entities", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/entities/{entity}", {"anonymous": UNAUTH, **IN_SCOPE, "operator": OK, "*": MISSING}),
    (API, "PATCH", "/api/v1/entities/{entity}", {"anonymous": UNAUTH, **OFFICIALS_FORBIDDEN, "operator": OK,
                                                 "*": MISSING}),
    (API, "DELETE", "/api/v1/entities/{entity}", {"anonymous": UNAUTH, **OFFICIALS_FORBIDDEN, "operator": 409,
                                                  "*": MISSING}),
    (API, "POST", "/api/v1/entities/{entity}/verification", {"anonymous": UNAUTH, **OFFICIALS_FORBIDDEN,
                                                             "county": OK, "operator": FORBIDDEN, "*": MISSING}),
]
BODIES = {"/verify": {"decision": "verify"}, "/verification": {"verified": True}, "PATCH": {"members": 3},
          "/reveal": {"purpose": "核实"}}


@pytest.fixture
def subjects(world):
    entity = make_entity(world["operator"])
    make_need(world["operator"], entity)
    return {"entity": entity.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = BODIES.get("PATCH") if method == "PATCH" else next(
        (b for suffix, b in BODIES.items() if path.endswith(suffix)), {})
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
