"""The access matrix of the attendance import routes (see tests/marketplace/test_access.py for the format).

A training planned by 正定县 (130123) today; the import job was uploaded by the 正定县 official.
"""

from __future__ import annotations

from io import BytesIO

import pytest

from marketplace.extensions import db
from marketplace.imports import jobs
from marketplace.training.imports import KIND
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.training.conftest import plan

ABOVE = {"national": OK, "province": OK, "city": OK, "county": OK}
JOB = {"anonymous": FOUND, **ABOVE, "other_province": MISSING, "*": MISSING}
UPLOAD = {"anonymous": FOUND, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN,
          "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/training/{training}/attendance/import", {**UPLOAD, "county": OK}),
    (WEB, "POST", "/training/{training}/attendance/import", {**UPLOAD, "county": 400}),
    (WEB, "GET", "/training/attendance-imports/{job}", JOB),
    (WEB, "GET", "/training/attendance-imports/{job}.json", JOB),
    (WEB, "GET", "/training/attendance-imports/{job}/errors.xlsx", JOB),
    (WEB, "GET", "/training/attendance-template.xlsx",
     {"anonymous": FOUND, **ABOVE, "other_province": OK, "township": OK, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/trainings/{training}/attendance/import",
     {"anonymous": UNAUTH, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN, "county": 400,
      "*": MISSING}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    county = world["county"]
    training = plan(county)
    job = jobs.start_import(KIND, county, BytesIO("证书编号,是否出勤\r\n".encode()), None)
    job.params = {**job.params, "training_id": training.id}
    db.session.commit()
    url = path.format(training=training.id, job=job.id)
    response = request_as(client, world.get(actor), kind, method, url, {})
    assert response.status_code == status, response.get_data(as_text=True)[:300]
