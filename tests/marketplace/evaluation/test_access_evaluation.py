"""The access matrix of the evaluation pages (format: tests/marketplace/test_access.py). The subjects are a
counselor appointed by 正定县 (130123) with a 2025 result, and a filed center of 正定县 with a result."""

from __future__ import annotations

import pytest

from marketplace.evaluation import services
from marketplace.evaluation.models import CenterEvaluation, CounselorEvaluation
from marketplace.extensions import db
from tests.access import FORBIDDEN, FOUND, MISSING, OK, WEB, access_cases, request_as

OFFICIALS_OK = {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK,
                "township": OK, "*": FORBIDDEN}
MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/evaluation/", OFFICIALS_OK),
    (WEB, "GET", "/evaluation/improvements", OFFICIALS_OK),
    (WEB, "POST", "/evaluation/improvements", OFFICIALS_OK),  # invalid form: the page again with messages
    (WEB, "POST", "/evaluation/run", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                      "other_province": FOUND, "city": FOUND, "county": FOUND, "*": FORBIDDEN}),
    (WEB, "GET", "/evaluation/scheme", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                        "*": FORBIDDEN}),
    (WEB, "POST", "/evaluation/scheme", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                         "*": FORBIDDEN}),
    (WEB, "GET", "/evaluation/jobs/{job}", {"anonymous": FOUND, "county": OK, "national": OK,
                                            "province": OK, "city": OK, "other_province": MISSING,
                                            "township": MISSING, "*": FORBIDDEN}),
    (WEB, "GET", "/evaluation/jobs/{job}.json", {"anonymous": FOUND, "county": OK, "national": OK,
                                                 "province": OK, "city": OK, "other_province": MISSING,
                                                 "township": MISSING, "*": FORBIDDEN}),
    (WEB, "GET", "/evaluation/counselors/{result}", {"anonymous": FOUND, "national": OK, "province": OK, "city": OK,
                                                     "county": OK, "other_province": MISSING, "township": MISSING,
                                                     "*": FORBIDDEN}),
    (WEB, "POST", "/evaluation/counselors/{result}/adjust", {"anonymous": FOUND, "county": FOUND, "national": FORBIDDEN,
                                                             "province": FORBIDDEN, "city": FORBIDDEN,
                                                             "other_province": MISSING, "township": MISSING,
                                                             "*": FORBIDDEN}),
    (WEB, "GET", "/evaluation/centers/{center_result}", {"anonymous": FOUND, "national": OK, "province": OK,
                                                         "city": OK, "county": OK, "other_province": MISSING,
                                                         "township": MISSING, "*": FORBIDDEN}),
    (WEB, "POST", "/evaluation/centers/{center_result}/adjust", {"anonymous": FOUND, "national": FOUND,
                                                                 "province": FOUND, "city": FOUND, "county": FOUND,
                                                                 "other_province": MISSING, "township": MISSING,
                                                                 "*": FORBIDDEN}),
]


@pytest.fixture
def subjects(world, served):
    from marketplace.centers import services as centers
    from tests.marketplace.centers.conftest import attach_documents, center_input

    staff = world["center_staff"]
    center = centers.register_center(staff, center_input())
    attach_documents(staff, center)
    centers.transition(center, "submit", staff)
    centers.transition(center, "file", world["county"])
    job = services.start_evaluation(world["county"], "counselor", 2025)
    services.evaluate_centers([center.id], 2025)
    db.session.commit()
    return {"job": job.id, "result": db.session.query(CounselorEvaluation).one().id,
            "center_result": db.session.query(CenterEvaluation).one().id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    body = {"reason": "核实后调整", "grade": "qualified"} if url.endswith("/adjust") else {}
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
