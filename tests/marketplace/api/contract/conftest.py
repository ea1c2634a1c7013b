"""The contract tests share one demo world for the whole module (seeding it per generated request would take
hours): the package's `db` fixture keeps the rows between tests and the module fixture empties the tables at
the end, as the suite's own `db` fixture does after each test."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from marketplace.extensions import db as _db
from marketplace.extensions import limiter
from marketplace.regions.models import Region

log = logging.getLogger(__name__)


def empty_tables() -> None:
    _db.session.rollback()
    for table in reversed(_db.metadata.sorted_tables):
        if table.name != Region.__tablename__:
            _db.session.execute(delete(table))
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app) -> Iterator:
    """An app context per test, without emptying the tables (the module's world stays)."""
    ctx = app.app_context()
    ctx.push()
    app.extensions["celery"].set_default()
    yield _db
    _db.session.rollback()
    _db.session.remove()
    limiter.reset()
    ctx.pop()


@pytest.fixture(scope="module")
def demo_world(app) -> Iterator[dict[str, str]]:
    """The demo data (ids exist, every state is there) and one bearer token per demo role."""
    from marketplace.demo.services import DEMO_PASSWORD, seed_demo

    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        empty_tables()
        # Last year's history and the evaluation roll-ups take minutes and add no operation or state the
        # API does not already have from the rest of the demo.
        patch.setattr("marketplace.demo.history.seed_history_demo", lambda: None)
        patch.setattr("marketplace.oversight.demo.seed_oversight_demo", lambda: None)
        started = time.monotonic()
        seed_demo()
        _db.session.commit()
        log.info("demo seeded in %.1f s", time.monotonic() - started)
        client = app.test_client()
        tokens = {}
        for role, username in ROLES.items():
            response = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 201, response.get_data(as_text=True)
            tokens[role] = response.get_json()["token"]
        _db.session.remove()
    yield tokens
    with app.app_context():
        empty_tables()
        _db.session.remove()


ROLES = {"county_official": "zhengding", "counselor": "fdy_liu", "operator": "coop_zhengding",
         "center_staff": "center_zhengding", "province_official": "hebei"}
