"""Fixtures for the provider pages: an accepted agreement of the world's counselor, rated 5 with a comment."""

from __future__ import annotations

import pytest

from tests.marketplace.agreements.conftest import advance, draft, switch  # noqa: F401  (fixtures)


@pytest.fixture
def accepted(world):
    """An accepted agreement (rated 5, comment 很好) of the world's counselor for the world's operator."""
    return advance(world, draft(world), "accepted")
