"""Number series (marketplace/numbering.py): a counter row per series, started after what is stored, given back
by a rollback, and never handing one number out twice under concurrency (PostgreSQL pass)."""

from __future__ import annotations

import threading

import pytest

from marketplace import numbering
from marketplace.extensions import db
from tests.conftest import require_postgres_session


def test_a_series_starts_after_the_largest_stored_number_and_counts_on():
    assert list(numbering.allocate("test", "130123-2026-", 3, lambda: 41)) == [42, 43, 44]
    assert list(numbering.allocate("test", "130123-2026-", 1, lambda: 0)) == [45]  # the counter, not the seed
    assert list(numbering.allocate("test", "130124-2026-", 2, lambda: 0)) == [1, 2]  # another series
    assert list(numbering.allocate("test", "130123-2026-", 0, lambda: 0)) == []


def test_a_rollback_gives_the_numbers_back():
    numbering.allocate("test", "X-", 5, lambda: 0)
    db.session.commit()
    numbering.allocate("test", "X-", 10, lambda: 0)
    db.session.rollback()
    assert list(numbering.allocate("test", "X-", 1, lambda: 0)) == [6]


def test_agreement_and_filing_numbers_use_their_series(world):
    from marketplace.agreements.services import next_number

    assert next_number("130123100", 2026) == "130123-2026-000001"
    assert next_number("130123", 2026) == "130123-2026-000002"


@pytest.mark.postgres
def test_concurrent_allocations_never_share_a_number(app):
    require_postgres_session()
    barrier = threading.Barrier(4)
    taken: list[int] = []
    lock = threading.Lock()

    def take():
        with app.app_context():
            barrier.wait(timeout=30)
            for _ in range(25):
                numbers = list(numbering.allocate("test", "P-", 2, lambda: 0))
                db.session.commit()
                with lock:
                    taken.extend(numbers)
            db.session.remove()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(taken) == list(range(1, 201))
