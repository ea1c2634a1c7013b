"""The access matrix of the entity batch import (see tests/marketplace/test_access.py for the format).

The subject job is an entity import by the county official of 正定县 (130123), below national, province 河北
and city 石家庄; the township official is below it, so the job is outside the township's jurisdiction.
"""

from __future__ import annotations

import pytest

from marketplace.entities.imports import JOB_KIND
from marketplace.jobs.models import Job, JobState
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as

OFFICIALS_OK = {"national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK, "township": OK}
IMPORTERS_400 = {"national": 400, "province": 400, "other_province": 400, "city": 400, "county": 400}
JOB_VISIBLE = {"national": OK, "province": OK, "city": OK, "county": OK}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/entities/imports", {"anonymous": FOUND, **OFFICIALS_OK, "township": FORBIDDEN,
                                       "*": FORBIDDEN}),
    # an empty upload form is refused with its message (400) for those who may import
    (WEB, "POST", "/entities/imports", {"anonymous": FOUND, **IMPORTERS_400, "*": FORBIDDEN}),
    (WEB, "GET", "/entities/imports/{job}", {"anonymous": FOUND, **JOB_VISIBLE, "*": MISSING}),
    (WEB, "GET", "/entities/imports/{job}.json", {"anonymous": FOUND, **JOB_VISIBLE, "*": MISSING}),
    (WEB, "GET", "/entities/imports/{job}/errors.xlsx", {"anonymous": FOUND, **JOB_VISIBLE, "*": MISSING}),
    (WEB, "GET", "/entities/template.xlsx", {"anonymous": FOUND, **OFFICIALS_OK, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/entities/imports", {"anonymous": UNAUTH, **IMPORTERS_400, "*": FORBIDDEN}),
    (API, "GET", "/api/v1/entities/template.xlsx", {"anonymous": UNAUTH, **OFFICIALS_OK, "*": FORBIDDEN}),
]


@pytest.fixture
def job(world, db):
    job = Job(kind=JOB_KIND, actor_id=world["county"].id, region_code="130123", state=JobState.FAILED,
              errors=[{"row": 3, "column": "联系电话", "message": "手机号码应为 11 位数字"}],
              summary={"message": "有 1 处错误，未导入任何数据"})
    db.session.add(job)
    db.session.commit()
    return job


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, job, kind, method, path, actor, status):
    response = request_as(client, world.get(actor), kind, method, path.format(job=job.id))
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_a_counselor_import_job_is_not_shown_on_the_entity_pages(client, world, db, login):
    other = Job(kind="counselor_import", actor_id=world["county"].id, region_code="130123", state=JobState.FAILED)
    db.session.add(other)
    db.session.commit()
    login(world["county"])
    assert client.get(f"/entities/imports/{other.id}").status_code == MISSING
