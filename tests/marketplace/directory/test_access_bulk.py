"""The access matrix of the bulk action routes (see tests/marketplace/test_access.py for the format).

Three counselors appointed by 正定县 (130123); the job was applied by the 正定县 official. Officials above see
the confirmation page (with nothing they may change) and the job; a township has no bulk actions.
"""

from __future__ import annotations

import pytest

from marketplace.directory import bulk
from marketplace.extensions import db
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.directory.certificate_helpers import appoint

ABOVE = {"national": OK, "province": OK, "city": OK, "county": OK}
JOB = {"anonymous": FOUND, **ABOVE, "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/directory/bulk?action=suspend&scope=all",
     {"anonymous": FOUND, **ABOVE, "other_province": OK, "township": FOUND, "*": FORBIDDEN}),
    (WEB, "POST", "/directory/bulk", {"anonymous": FOUND, **{k: FOUND for k in ABOVE}, "other_province": FOUND,
                                      "township": FOUND, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/bulk/{job}", JOB),
    (WEB, "GET", "/directory/bulk/{job}.json", JOB),
    (WEB, "GET", "/directory/bulk/00000000-0000-0000-0000-000000000000",
     {"anonymous": FOUND, **{k: MISSING for k in ABOVE}, "other_province": MISSING, "township": MISSING,
      "*": FORBIDDEN}),
    (API, "POST", "/api/v1/counselors/bulk/preview",
     {"anonymous": UNAUTH, **ABOVE, "other_province": OK, "*": FORBIDDEN}),
    (API, "POST", "/api/v1/counselors/bulk", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/counselors/bulk/jobs/{job}",
     {"anonymous": UNAUTH, **ABOVE, "other_province": MISSING, "*": MISSING}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    county = world["county"]
    people = [appoint(county, name=name, n=n) for n, name in enumerate(["张一", "王二", "李三"], start=1)]
    job = bulk.apply(county, "suspend", bulk.Selection(ids=[people[0].id]), "整改", bulk.new_token(), 1)
    db.session.commit()
    body = {"action": "suspend"} if path.endswith("/preview") else {}
    response = request_as(client, world.get(actor), kind, method, path.format(job=job.id), body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
