"""The access matrix of batch import and export (see tests/marketplace/test_access.py for the format).

The subject job is an import by the county official of 正定县 (130123), below national, province 河北 and
city 石家庄; the township official is below it, so the job is outside the township's jurisdiction.
"""

from __future__ import annotations

import pytest

from marketplace.directory.imports import JOB_KIND
from marketplace.jobs.models import Job, JobState
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as

OFFICIALS_OK = {"national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK, "township": OK}
JOB_VISIBLE = {"national": OK, "province": OK, "city": OK, "county": OK}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/directory/imports", {"anonymous": FOUND, **OFFICIALS_OK, "township": FORBIDDEN,
                                        "*": FORBIDDEN}),
    # an empty upload form is refused with its message (400) for those who may import
    (WEB, "POST", "/directory/imports", {"anonymous": FOUND, "national": 400, "province": 400,
                                         "other_province": 400, "city": 400, "county": 400, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/imports/{job}", {"anonymous": FOUND, **JOB_VISIBLE, "*": MISSING}),
    (WEB, "GET", "/directory/imports/{job}.json", {"anonymous": FOUND, **JOB_VISIBLE, "*": MISSING}),
    (WEB, "GET", "/directory/imports/{job}/errors.xlsx", {"anonymous": FOUND, **JOB_VISIBLE, "*": MISSING}),
    (WEB, "GET", "/directory/template.xlsx", {"anonymous": FOUND, **OFFICIALS_OK, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/export.xlsx", {"anonymous": FOUND, **OFFICIALS_OK, "*": FORBIDDEN}),
    # without a purpose the full export sends officials back to the list with the message
    (WEB, "POST", "/directory/export-full.xlsx", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                  "other_province": FOUND, "city": FOUND, "county": FOUND,
                                                  "township": FOUND, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/counselors/imports", {"anonymous": UNAUTH, "national": 400, "province": 400,
                                                 "other_province": 400, "city": 400, "county": 400,
                                                 "*": FORBIDDEN}),
    (API, "GET", "/api/v1/jobs/{job}", {"anonymous": UNAUTH, **JOB_VISIBLE, "*": MISSING}),
    (API, "GET", "/api/v1/counselors/template.xlsx", {"anonymous": UNAUTH, **OFFICIALS_OK, "*": FORBIDDEN}),
    (API, "GET", "/api/v1/counselors/export.xlsx", {"anonymous": UNAUTH, **OFFICIALS_OK, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/counselors/export-full.xlsx", {"anonymous": UNAUTH, "*": 422}),  # no purpose
]


@pytest.fixture
def job(world, db):
    job = Job(kind=JOB_KIND, actor_id=world["county"].id, region_code="130123", state=JobState.FAILED,
              errors=[{"row": 3, "column": "手机号码", "message": "手机号码应为 11 位数字"}],
              summary={"message": "有 1 处错误，未导入任何数据"})
    db.session.add(job)
    db.session.commit()
    return job


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, job, kind, method, path, actor, status):
    response = request_as(client, world.get(actor), kind, method, path.format(job=job.id))
    assert response.status_code == status, response.get_data(as_text=True)[:500]
