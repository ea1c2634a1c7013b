"""The access matrix: every route, for each kind of user, anonymous, and another jurisdiction.

`MATRIX` lists, per route, the status each actor gets. `test_every_route_is_in_the_matrix` fails when a
route is added without a line here.
"""

from __future__ import annotations

import pytest

from marketplace.notifications.services import notify
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as

# The subject of account routes is the county official of 正定县 (below national, province 河北, city 石家庄).

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    # kind, method, path, {actor: status}; actors not named get the "*" status
    (WEB, "GET", "/", {"*": OK}),
    (WEB, "GET", "/healthz", {"*": OK}),
    (WEB, "GET", "/lang/en", {"*": FOUND}),
    (WEB, "GET", "/auth/login", {"anonymous": OK, "*": FOUND}),
    (WEB, "GET", "/auth/register", {"anonymous": OK, "*": FOUND}),
    (WEB, "POST", "/auth/login", {"anonymous": OK, "*": FOUND}),
    (WEB, "POST", "/auth/register", {"anonymous": OK, "*": FOUND}),
    (WEB, "POST", "/auth/password", {"anonymous": FOUND, "*": OK}),
    (WEB, "POST", "/accounts/new", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                    "city": OK, "county": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/auth/password", {"anonymous": FOUND, "*": OK}),
    (WEB, "POST", "/auth/logout", {"*": FOUND}),
    (WEB, "GET", "/accounts/", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                "city": OK, "county": OK, "township": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/accounts/new", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                   "city": OK, "county": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/accounts/{subject}", {"anonymous": FOUND, "national": OK, "province": OK, "city": OK,
                                         "county": OK, "other_province": MISSING, "township": MISSING,
                                         "*": FORBIDDEN}),
    (WEB, "POST", "/accounts/{subject}/disable", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                  "city": FOUND, "county": FOUND, "other_province": MISSING,
                                                  "township": MISSING, "*": FORBIDDEN}),
    (WEB, "POST", "/accounts/{subject}/reveal", {"anonymous": FOUND, "national": OK, "province": OK, "city": OK,
                                                 "county": FOUND, "other_province": MISSING, "township": MISSING,
                                                 "*": FORBIDDEN}),
    (WEB, "POST", "/accounts/{subject}/enable", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                 "city": FOUND, "county": FOUND, "other_province": MISSING,
                                                 "township": MISSING, "*": FORBIDDEN}),
    (WEB, "POST", "/accounts/{subject}/reset-password", {"anonymous": FOUND, "national": OK, "province": OK,
                                                         "city": OK, "county": FOUND,
                                                         "other_province": MISSING, "township": MISSING,
                                                         "*": FORBIDDEN}),
    (WEB, "POST", "/accounts/{subject}/unlock", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                 "city": FOUND, "county": FOUND, "other_province": MISSING,
                                                 "township": MISSING, "*": FORBIDDEN}),
    (WEB, "GET", "/auth/two-factor", {"*": FOUND}),  # only between the password and the code
    (WEB, "POST", "/auth/two-factor", {"*": FOUND}),
    (WEB, "GET", "/auth/two-factor/setup", {"anonymous": FOUND, "*": OK}),
    (WEB, "POST", "/auth/two-factor/setup", {"anonymous": FOUND, "*": OK}),
    # one's own second factor (not enrolled here: back to the setup page; enrolled: tests/marketplace/auth)
    (WEB, "POST", "/auth/two-factor/reenrol", {"*": FOUND}),
    (WEB, "POST", "/auth/two-factor/reenrol/cancel", {"*": FOUND}),
    (WEB, "POST", "/auth/two-factor/recovery-codes", {"*": FOUND}),
    (WEB, "POST", "/auth/two-factor/disable", {"*": FOUND}),
    (WEB, "GET", "/audit/", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                             "city": OK, "county": OK, "township": OK, "*": FORBIDDEN}),
    (WEB, "GET", "/inbox/", {"anonymous": FOUND, "*": OK}),
    (WEB, "POST", "/inbox/{own_notification}/read", {"anonymous": FOUND, "*": FOUND}),
    (WEB, "POST", "/inbox/{county_notification}/read", {"anonymous": FOUND, "county": FOUND, "*": MISSING}),
    (WEB, "POST", "/inbox/read-all", {"*": FOUND}),
    (WEB, "GET", "/api/v1/docs", {"*": OK}),
    (WEB, "GET", "/api/v1/docs/assets/swagger-ui.css", {"*": OK}),
    (WEB, "GET", "/api/v1/openapi.json", {"*": OK}),
    (WEB, "GET", "/static/css/app.css", {"*": OK}),
    (API, "GET", "/api/v1/regions/130123", {"*": OK}),
    (API, "GET", "/api/v1/regions/130123/children", {"*": OK}),
    (API, "POST", "/api/v1/auth/token", {"*": 422}),
    (API, "POST", "/api/v1/auth/password", {"*": 422}),
    (API, "DELETE", "/api/v1/auth/token", {"anonymous": UNAUTH, "*": 204}),
    (API, "GET", "/api/v1/accounts", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/accounts", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/accounts/{subject}", {"anonymous": UNAUTH, "national": OK, "province": OK, "city": OK,
                                                "county": OK, "*": MISSING}),
    (API, "POST", "/api/v1/accounts/{subject}/disable", {"anonymous": UNAUTH, "national": OK, "province": OK,
                                                         "city": OK, "county": FORBIDDEN, "*": MISSING}),
    (API, "POST", "/api/v1/accounts/{subject}/enable", {"anonymous": UNAUTH, "national": 409, "province": 409,
                                                        "city": 409, "county": FORBIDDEN, "*": MISSING}),
    (API, "POST", "/api/v1/accounts/{subject}/reset-password", {"anonymous": UNAUTH, "national": OK,
                                                                "province": OK, "city": OK,
                                                                "county": FORBIDDEN, "*": MISSING}),
    (API, "GET", "/api/v1/notifications", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/notifications/{own_notification}/read", {"anonymous": UNAUTH, "*": OK}),
    (API, "POST", "/api/v1/notifications/{county_notification}/read", {"anonymous": UNAUTH, "county": OK,
                                                                      "*": MISSING}),
    (API, "GET", "/api/v1/audit", {"anonymous": UNAUTH, "national": OK, "province": OK, "other_province": OK,
                                   "city": OK, "county": OK, "township": OK, "*": FORBIDDEN}),
]

# Web POSTs whose body matters for the status (forms validated by the view).
BODIES = {"/disable": {"reason": "测试"}, "/enable": {"reason": "测试"}, "/reveal": {"reason": "核实身份"}}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, make_user, world, db, kind, method, path, actor, status):
    subject = world["county"]
    target = make_user(region_code="130123", username="subject") if "{subject}" in path else None
    if target is not None:
        subject = target  # a fresh county-level account, so actions on it don't touch the actors
        subject.department = world["county"].department
        db.session.commit()
    user = world.get(actor)
    own = notify(user, "测试消息") if user is not None else None
    county_note = notify(world["county"], "县级消息")
    db.session.commit()
    url = path.format(subject=subject.id, own_notification=own.id if own else county_note.id,
                      county_notification=county_note.id)
    body = next((b for suffix, b in BODIES.items() if url.endswith(suffix)), {})
    response = request_as(client, user, kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_every_route_is_in_the_matrix(app):
    """Each route of the app is hit by at least one matrix row (matched by the app's own URL map)."""
    import re

    adapter = app.url_map.bind("localhost")
    covered = set()
    for _kind, method, path, _expected in all_matrix_rows():
        concrete = re.sub(r"\{[a-z_]+\}", "1", path).split("?")[0]
        rule, _args = adapter.match(concrete, method=method, return_rule=True)
        covered.add((method, rule.rule))
    missing = [f"{method} {rule.rule}" for rule in app.url_map.iter_rules()
               for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
               if (method, rule.rule) not in covered and rule.endpoint != "static"]
    assert not missing, f"routes without an access test: {missing}"


def all_matrix_rows() -> list:
    """Rows of MATRIX from every tests/**/test_access*.py module (each area keeps its own)."""
    import importlib
    from pathlib import Path

    rows = []
    root = Path(__file__).resolve().parents[2]
    for path in sorted(root.glob("tests/**/test_access*.py")):
        module = importlib.import_module(".".join(path.relative_to(root).with_suffix("").parts))
        rows += getattr(module, "MATRIX", [])
    return rows
