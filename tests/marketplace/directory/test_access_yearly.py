"""The access matrix of the yearly-update pages (see tests/marketplace/test_access.py for the format).

The statuses do not depend on today's date: a refused confirmation or unlock inside someone's remit is a
flashed message and a redirect, a request outside it is 403 (not theirs) or 404 (not in their jurisdiction).
The unlock subject is the department of 正定县 (130123), below national, province 河北 and city 石家庄.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.timeutil import local_today
from tests.access import FORBIDDEN, FOUND, MISSING, OK, WEB, access_cases, request_as

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/directory/yearly", {"anonymous": FOUND, "national": OK, "province": OK, "other_province": OK,
                                       "city": OK, "county": OK, "township": OK, "*": FORBIDDEN}),
    (WEB, "POST", "/directory/yearly/confirm", {"anonymous": FOUND, "national": FOUND, "province": FOUND,
                                                "other_province": FOUND, "city": FOUND, "county": FOUND,
                                                "*": FORBIDDEN}),
    (WEB, "POST", "/directory/yearly/unlock/{department}", {"anonymous": FOUND, "national": FOUND,
                                                           "province": FOUND, "city": FOUND,
                                                           "other_province": MISSING, "township": MISSING,
                                                           "*": FORBIDDEN}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    url = path.format(department=world["county"].department_id)
    body = {"reason": "补录上年度数据", "until": (local_today() + timedelta(days=30)).isoformat()} \
        if "/unlock/" in url else {}
    response = request_as(client, world.get(actor), kind, method, url, body)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
