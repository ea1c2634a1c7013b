from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user

from marketplace.accounts.models import Role


def roles_required(*roles: Role):
    """403 unless the signed-in user has one of `roles` (use under `login_required`)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
