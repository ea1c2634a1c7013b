"""Routes on the directory blueprint (see views.py)."""

from flask import Blueprint

from marketplace.directory.views import bp  # noqa: F401

# The public certificate check lives outside /directory: anyone may open it.
public_bp = Blueprint("verify", __name__, url_prefix="/verify")
