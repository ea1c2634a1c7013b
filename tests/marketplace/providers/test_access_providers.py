"""The access matrix of the provider pages, reviews and threads (format: tests/marketplace/test_access.py).
Subjects: the world's counselor with an accepted, rated agreement of the world's operator (the need placed in
正定镇, 130123100), a filed center of the world's center staff, and an open need of the operator with a
question to the counselor."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.providers import threads
from tests.access import API, FORBIDDEN, FOUND, MISSING, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.agreements.conftest import advance, draft, filed_center_offering
from tests.marketplace.needs.helpers import make_need

EVERYONE = {"*": OK}
# the need's place is 正定镇: officials from the township up read its thread; Beijing does not
THREAD_READERS = {"anonymous": FOUND, "operator": OK, "counselor": OK, "national": OK, "province": OK, "city": OK,
                  "county": OK, "township": OK, "*": MISSING}
HIDERS = {"anonymous": FOUND, "national": FOUND, "province": FOUND, "city": FOUND, "county": FOUND,
          "township": FOUND, "*": FORBIDDEN}

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/providers/counselors/{counselor}", EVERYONE),
    (WEB, "GET", "/providers/centers/{center}", EVERYONE),
    (WEB, "POST", "/providers/reviews/{agreement}/reply", {"anonymous": FOUND, "counselor": FOUND,
                                                           "*": FORBIDDEN}),
    (WEB, "POST", "/providers/reviews/{agreement}/hide", HIDERS),
    (WEB, "GET", "/providers/questions/{need}/counselor/{counselor}", THREAD_READERS),
    (WEB, "POST", "/providers/questions/{need}/counselor/{counselor}", THREAD_READERS),  # empty: the page again
    (API, "GET", "/api/v1/providers/counselors/{counselor}", EVERYONE),
    (API, "GET", "/api/v1/providers/centers/{center}/reviews", EVERYONE),
    (API, "POST", "/api/v1/providers/reviews/{agreement}/reply", {"anonymous": UNAUTH, "*": 422}),  # no body
    (API, "POST", "/api/v1/providers/reviews/{agreement}/hide", {"anonymous": UNAUTH, "*": 422}),
    (API, "GET", "/api/v1/providers/questions/{need}/counselors/{counselor}",
     {**THREAD_READERS, "anonymous": UNAUTH}),
    (API, "POST", "/api/v1/providers/questions/{need}/counselors/{counselor}", {"anonymous": UNAUTH, "*": 422}),
]


@pytest.fixture
def subjects(world):
    agreement = advance(world, draft(world), "accepted")
    center, _offering = filed_center_offering(world)
    need = make_need(world["operator"])
    candidate = threads.candidate_or_404("counselor", agreement.counselor_id)
    threads.post(world["operator"], need, candidate, "可以周末上门吗？")
    db.session.commit()
    return {"counselor": agreement.counselor_id, "center": center.id, "agreement": agreement.id, "need": need.id}


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, subjects, kind, method, path, actor, status):
    response = request_as(client, world.get(actor), kind, method, path.format(**subjects), {})
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_a_non_public_provider_is_missing_except_for_its_officials_and_itself(client, world, subjects):
    from marketplace.directory.models import Counselor, CounselorStatus

    db.session.get(Counselor, subjects["counselor"]).status = CounselorStatus.EXPIRED
    db.session.commit()
    url = f"/providers/counselors/{subjects['counselor']}"
    for actor, status in (("anonymous", MISSING), ("operator", MISSING), ("other_province", MISSING),
                          ("county", OK), ("counselor", OK)):
        assert request_as(client, world.get(actor), WEB, "GET", url).status_code == status, actor
        client.post("/auth/logout")
    assert client.get(f"/api/v1{url}").status_code == MISSING
