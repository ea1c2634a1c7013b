"""Tests run tasks eagerly in the test process, whatever other Celery app an earlier test made."""

from __future__ import annotations

import pytest
from celery import Celery


@pytest.fixture(scope="module")
def stray_celery_app():
    """What a CLI test or a second Flask app leaves behind: another Celery app, current in this thread
    (module scope, so it is made before the per-test `db` fixture runs, as an earlier test's app would be)."""
    return Celery("stray", broker="memory://", set_as_current=True)


def test_a_shared_task_stays_eager_after_another_celery_app_became_current(stray_celery_app):
    from tasks.maintenance import ping

    # Sent to the stray app, this would wait for a worker that never comes (a CI run hung on it).
    assert ping.delay().get(timeout=5)["pong"] is True
