"""Routes on the directory blueprint (see views.py)."""

from marketplace.directory.views import bp  # noqa: F401
