"""The access matrix of the evaluation export (see tests/marketplace/test_access.py for the format)."""

from __future__ import annotations

import pytest

from marketplace.evaluation.models import Grade
from tests.access import API, FORBIDDEN, FOUND, OK, UNAUTH, WEB, access_cases, request_as
from tests.marketplace.evaluation.test_export import _result
from tests.marketplace.needs.helpers import make_counselor


@pytest.fixture
def results(world):
    return _result(make_counselor(world["county"]), Grade.EXCELLENT, 90)

MATRIX = [
    (WEB, "GET", "/evaluation/export.xlsx", {"anonymous": FOUND, "national": OK, "province": OK,
                                             "other_province": OK, "city": OK, "county": OK, "township": OK,
                                             "*": FORBIDDEN}),
    (API, "GET", "/api/v1/evaluations/export.xlsx", {"anonymous": UNAUTH, "national": OK, "province": OK,
                                                     "other_province": OK, "city": OK, "county": OK,
                                                     "township": OK, "*": FORBIDDEN}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, results, kind, method, path, actor, status):
    response = request_as(client, world.get(actor), kind, method, path)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
