"""Fixtures for the training tests: a county training with a counselor (who has an account) on its list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.extensions import db
from marketplace.training import services
from marketplace.training.models import Audience, TrainingMode
from tests.marketplace.needs.helpers import make_counselor


def training_input(**overrides) -> services.TrainingInput:
    today = services.china_today()
    data = {"title": "合作社财务规范化培训", "starts_on": today, "ends_on": today + timedelta(days=1),
            "mode": TrainingMode.OFFLINE, "hours": Decimal("12"), "organiser": "正定县农业农村局经管站",
            "capacity": 30, "audience": Audience.OWN, "topic_specialty": 4, "place": "正定县农业农村局三楼会议室"}
    data.update(overrides)
    return services.TrainingInput(**data)


def plan(official, **overrides):
    training = services.plan_training(official, training_input(**overrides))
    db.session.commit()
    return training


@pytest.fixture
def trainee(world):
    """The world's counselor account, with a directory record appointed by 正定县."""
    return make_counselor(world["county"], user=world["counselor"])
