"""The access matrix of the text message settings (format: tests/marketplace/test_access.py): every signed-in
user has their own; the form saves for the one signed in only."""

from __future__ import annotations

import pytest

from marketplace.notifications import channels
from tests.access import FOUND, OK, WEB, access_cases, request_as

MATRIX: list[tuple[str, str, str, dict[str, int]]] = [
    (WEB, "GET", "/inbox/settings", {"anonymous": FOUND, "*": OK}),
    (WEB, "POST", "/inbox/settings", {"anonymous": FOUND, "*": FOUND}),
]


@pytest.mark.parametrize(("kind", "method", "path", "actor", "status"), access_cases(MATRIX))
def test_access(client, world, kind, method, path, actor, status):
    user = world.get(actor)
    response = request_as(client, user, kind, method, path, {"sms_events": ["agreement"]})
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    if method == "POST" and user is not None:
        assert channels.sms_events(user) == ["agreement"]
        others = [u for name, u in world.items() if name != actor]
        assert all(channels.sms_events(u) == channels.events.DEFAULT_SMS_EVENTS for u in others)
