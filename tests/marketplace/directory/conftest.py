"""Builders for directory records."""

from __future__ import annotations

from datetime import date

import pytest

from marketplace.demo.services import demo_id_number
from marketplace.directory import services
from marketplace.directory.models import Source, WorkMode
from marketplace.extensions import db


def counselor_input(n: int = 1, **overrides) -> services.CounselorInput:
    """A valid CounselorInput for 正定县 (130123); `n` makes the ID number and phone unique."""
    data = {
        "name": f"辅导员{n}", "id_number": demo_id_number("130123", date(1980, 1, 1 + n % 28), n),
        "phone": f"1380000{n:04d}", "region_code": "130123100", "specialties": 4 | 8, "industries": 1,
        "work_mode": WorkMode.PART_TIME, "source": Source.RURAL_EXPERT, "appointed_on": date(2025, 1, 1),
    }
    data.update(overrides)
    return services.CounselorInput(**data)


@pytest.fixture
def appoint():
    counter = iter(range(1, 100_000))

    def make(actor, **overrides):
        counselor = services.appoint_counselor(actor, counselor_input(next(counter), **overrides))
        db.session.commit()
        return counselor

    return make
