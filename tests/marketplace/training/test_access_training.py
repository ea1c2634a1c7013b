"""The access matrix of the training pages (format: tests/marketplace/test_access.py). The subject is a
training planned by 正定县 (130123) for its own counselors, started today, with the world's counselor on its
list and attended (so a completion certificate exists)."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.training import services
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.training.conftest import plan

OFFICIALS = {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK, "city": OK, "county": OK,
             "township": OK, "*": FORBIDDEN}
READERS = {"anonymous": FOUND, "national": OK, "province": OK, "city": OK, "county": OK, "counselor": OK,
           "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}
# Managed by the organising county only: officials above read it (403 on changes), others never see it (404).
MANAGER_PAGE = {"anonymous": FOUND, "county": OK, "national": FORBIDDEN, "province": FORBIDDEN, "city": FORBIDDEN,
                "other_province": MISSING, "township": MISSING, "*": FORBIDDEN}
MANAGER_POST = {**MANAGER_PAGE, "county": FOUND}
COUNSELOR_POST = {"anonymous": FOUND, "counselor": FOUND, "*": FORBIDDEN}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/training/", {**OFFICIALS, "counselor": OK}),
    (WEB, "GET", "/training/new", OFFICIALS),
    (WEB, "POST", "/training/new", OFFICIALS),  # an empty form: the page again with messages
    (WEB, "GET", "/training/coverage", OFFICIALS),
    (WEB, "GET", "/training/{training}", READERS),
    (WEB, "GET", "/training/{training}/edit", MANAGER_PAGE),
    (WEB, "POST", "/training/{training}/edit", MANAGER_PAGE),
    (WEB, "POST", "/training/{training}/actions/complete", MANAGER_POST),
    (WEB, "POST", "/training/{training}/enroll", COUNSELOR_POST),
    (WEB, "POST", "/training/{training}/withdraw", COUNSELOR_POST),
    (WEB, "POST", "/training/{training}/enrollments", MANAGER_POST),
    (WEB, "POST", "/training/{training}/enrollments/{enrollment}/remove", MANAGER_POST),
    (WEB, "GET", "/training/{training}/attendance", MANAGER_PAGE),
    (WEB, "POST", "/training/{training}/attendance", MANAGER_POST),
    (WEB, "GET", "/training/{training}/enrollments/{enrollment}/certificate.pdf", READERS),
    (WEB, "GET", "/verify/training/{certificate}", {"*": OK}),
    (API, "GET", "/api/v1/trainings", {"anonymous": UNAUTH, "*": OK}),  # others get an empty list
    (API, "GET", "/api/v1/trainings/{training}", {"anonymous": UNAUTH, "national": OK, "province": OK, "city": OK,
                                                  "county": OK, "counselor": OK, "*": MISSING}),
    # The counselor is already on the list: 409; officials see it but are not counselors: 403.
    (API, "POST", "/api/v1/trainings/{training}/enrollment", {"anonymous": UNAUTH, "counselor": 409,
                                                              "national": FORBIDDEN, "province": FORBIDDEN,
                                                              "city": FORBIDDEN, "county": FORBIDDEN,
                                                              "*": MISSING}),
    # Attendance is recorded: 409 for the counselor; officials have no enrolment of their own: 400.
    (API, "DELETE", "/api/v1/trainings/{training}/enrollment", {"anonymous": UNAUTH, "counselor": 409,
                                                                "national": 400, "province": 400, "city": 400,
                                                                "county": 400, "*": MISSING}),
]


@pytest.fixture
def subjects(world, trainee):
    training = plan(world["county"])
    enrollment = services.enroll(training, trainee, world["counselor"])
    services.record_attendance(training, {enrollment.id: (True, None)}, world["county"])
    db.session.commit()
    return {"training": training.id, "enrollment": enrollment.id, "certificate": enrollment.certificate_no}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    url = path.format(**subjects)
    response = request_as(client, world.get(actor), kind, method, url, {})
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_a_counselor_outside_the_audience_does_not_see_it(client, world, make_user, subjects):
    from marketplace.accounts.models import Role
    from tests.marketplace.needs.helpers import make_counselor

    city_user = make_user(Role.COUNSELOR, region_code="130100", department_region="130100")
    make_counselor(world["city"], user=city_user, region_code="130100")
    response = request_as(client, city_user, WEB, "GET", f"/training/{subjects['training']}")
    assert response.status_code == MISSING
    response = request_as(client, city_user, WEB, "GET",
                          f"/training/{subjects['training']}/enrollments/{subjects['enrollment']}/certificate.pdf")
    assert response.status_code == MISSING


def test_api_shows_the_list_to_officials_and_only_ones_own_row_to_a_counselor(client, world, subjects, api_token,
                                                                              make_user):
    from marketplace.accounts.models import Role
    from tests.marketplace.needs.helpers import make_counselor

    colleague = make_counselor(world["county"], user=make_user(Role.COUNSELOR, region_code="130123",
                                                                department_region="130123"))
    training_id = subjects["training"]
    services.enroll(db.session.get(services.Training, training_id), colleague, world["county"])
    db.session.commit()
    official = client.get(f"/api/v1/trainings/{training_id}", headers=api_token(world["county"])).get_json()
    assert len(official["enrollments"]) == 2 and official["hours"] == "12.0"
    own = client.get(f"/api/v1/trainings/{training_id}", headers=api_token(world["counselor"])).get_json()
    assert [e["certificate_no"] for e in own["enrollments"]] == [subjects["certificate"]]
    listed = client.get("/api/v1/trainings", headers=api_token(world["operator"])).get_json()
    assert listed["items"] == []
