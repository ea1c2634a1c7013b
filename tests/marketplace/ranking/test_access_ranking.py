"""Access matrix for the matching pages (the match API is in the needs matrix)."""

from __future__ import annotations

import pytest

from tests.access import FORBIDDEN, FOUND, OK, WEB, access_cases, request_as
from tests.marketplace.needs.helpers import make_need

MATRIX = [
    (WEB, "GET", "/matching/gaps", {"anonymous": FOUND, "counselor": FORBIDDEN, "operator": FORBIDDEN,
                                    "center_staff": FORBIDDEN, "*": OK}),
    # the training reports: national officials only (the model serves the whole country)
    (WEB, "GET", "/matching/models", {"anonymous": FOUND, "national": OK, "*": FORBIDDEN}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    make_need(world["operator"], category=32)
    response = request_as(client, world.get(actor), kind, method, path)
    assert response.status_code == status
