"""The access matrix of the 重试 button (a failed certificate batch started by the 正定县 official; an allowed
retry runs it again at once, Celery being eager in tests)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.directory import certificates
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from tests.access import FORBIDDEN, FOUND, MISSING, WEB, access_cases, request_as
from tests.marketplace.directory.certificate_helpers import appoint

MATRIX = [(WEB, "POST", "/jobs/{job}/retry", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                              "city": FOUND, "county": FOUND, "other_province": MISSING,
                                              "township": MISSING, "*": FORBIDDEN})]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    appoint(world["county"])
    job = Job(kind=certificates.JOB_KIND, actor_id=world["county"].id, region_code="130123",
              state=JobState.FAILED, params={"format": "pdf", "filters": {}})
    db.session.add(job)
    db.session.commit()
    response = request_as(client, world.get(actor), kind, method, path.format(job=job.id), {})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if status == FOUND and actor != "anonymous":
        assert db.session.scalar(select(Job.state).where(Job.id == job.id)) is JobState.SUCCEEDED
