"""The access matrix of the certificate routes (see tests/marketplace/test_access.py for the format).

The subject is 刘桂芳, appointed by 正定县 (130123), below national, province 河北 and city 石家庄; the
`counselor` actor is linked to her record. The batch job was started by the 正定县 official.
"""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.directory import certificates, services
from marketplace.directory.search import CounselorFilters
from marketplace.extensions import db
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, WEB, access_cases, request_as
from tests.marketplace.directory.certificate_helpers import appoint

OFFICIALS_ABOVE = {"national": OK, "province": OK, "city": OK, "county": OK}
JOB = {"anonymous": FOUND, **OFFICIALS_ABOVE, "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/directory/{counselor}/certificate.pdf", {"anonymous": FOUND, **OFFICIALS_ABOVE, "counselor": OK,
                                                            "*": MISSING}),
    (WEB, "GET", "/directory/{struck_off}/certificate.pdf", {"anonymous": FOUND, "national": 409,
                                                             "province": 409, "city": 409, "county": 409,
                                                             "*": MISSING}),
    (WEB, "POST", "/directory/certificates/batch", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                    "other_province": FOUND, "city": FOUND, "county": FOUND,
                                                    "township": FOUND, "*": FORBIDDEN}),
    (WEB, "GET", "/directory/certificates/batch/{job}", JOB),
    (WEB, "GET", "/directory/certificates/batch/{job}.json", JOB),
    (WEB, "GET", "/directory/certificates/batch/{job}/download", JOB),
    (WEB, "GET", "/verify/", {"*": OK}),
    (WEB, "GET", "/verify/{certificate}", {"*": OK}),
    (WEB, "GET", "/verify/000000-1999-00000", {"*": MISSING}),
    (API, "GET", "/api/v1/certificates/{certificate}", {"*": OK}),
    (API, "GET", "/api/v1/certificates/000000-1999-00000", {"*": MISSING}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    county = world["county"]
    liu = appoint(county, appointed_on=date(2025, 1, 1))
    services.link_account(county, liu, world["counselor"])
    struck_off = appoint(county, name="赵六", n=9)
    services.transition(struck_off, "strike_off", county, reason="违规")
    db.session.commit()
    job = None
    if "{job}" in path:
        job = certificates.start_batch(county, CounselorFilters(), "pdf")
        db.session.commit()  # built at once: Celery is eager in tests
    url = path.format(counselor=liu.id, struck_off=struck_off.id, certificate=liu.certificate_no,
                      job=job.id if job else "")
    response = request_as(client, world.get(actor), kind, method, url, {})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
