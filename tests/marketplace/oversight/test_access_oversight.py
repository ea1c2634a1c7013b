"""The access matrix of the dashboards and reports (format: tests/marketplace/test_access.py). The report
subject is one built by the county official of 正定县 (130123)."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.extensions import db
from marketplace.oversight import reports
from tests.access import FORBIDDEN, FOUND, MISSING, OK, WEB, access_cases, request_as

OFFICIALS = {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK,
             "township": OK, "*": FORBIDDEN}
IN_HEBEI_COUNTY = {"anonymous": FOUND, "national": OK, "province": OK, "city": OK, "county": OK,
                   "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}
MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/oversight/", OFFICIALS),
    (WEB, "GET", "/oversight/?region=130123", IN_HEBEI_COUNTY),
    (WEB, "GET", "/oversight/?region=000000", {"anonymous": FOUND, "national": OK, "counselor": FORBIDDEN,
                                               "operator": FORBIDDEN, "center_staff": FORBIDDEN, "*": MISSING}),
    (WEB, "GET", "/oversight/export.xlsx", OFFICIALS),
    (WEB, "GET", "/oversight/export.xlsx?region=130123", IN_HEBEI_COUNTY),
    (WEB, "POST", "/oversight/refresh", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                         "other_province": FOUND, "city": FOUND, "county": FOUND,
                                         "township": FOUND, "*": FORBIDDEN}),
    (WEB, "POST", "/oversight/reports", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                         "other_province": FOUND, "city": FOUND, "county": FOUND,
                                         "township": FOUND, "*": FORBIDDEN}),
    (WEB, "GET", "/oversight/reports/{job}", IN_HEBEI_COUNTY),
    (WEB, "GET", "/oversight/reports/{job}.json", IN_HEBEI_COUNTY),
    (WEB, "GET", "/oversight/reports/{job}/download.pdf", IN_HEBEI_COUNTY),
    (WEB, "GET", "/oversight/reports/{job}/download.xlsx", IN_HEBEI_COUNTY),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    job = reports.start_report(world["county"], "130123", date(2026, 1, 1), date(2026, 6, 30))
    db.session.commit()
    url = path.format(job=job.id)
    user = world.get(actor)
    body = {"region": user.department.region_code if user is not None and user.department else "130123",
            "start": "2026-01-01", "end": "2026-06-30"} if url == "/oversight/reports" else {}
    response = request_as(client, user, kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
