"""Security defaults: session expiry, forced password change, security headers, safe redirects."""

from __future__ import annotations

import time
from functools import cache
from urllib.parse import urlsplit

from flask import Flask, flash, has_request_context, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_talisman import Talisman

from marketplace.auth.sessions import SESSION_USER, init_sessions
from marketplace.extensions import db, login_manager

# Pages a signed-in user may open while the initial password is still unchanged.
PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "main.set_language", "static"}
# … and while a second factor the account's level requires is not set up yet.
SECOND_FACTOR_ALLOWED = {"auth.setup_two_factor", "auth.logout", "main.set_language", "static"}

CSP = {
    "default-src": "'self'",
    "img-src": ["'self'", "data:"],
    "style-src": "'self'",
    "script-src": "'self'",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_security(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录")
    login_manager.login_message_category = "warning"
    # "basic": a changed address or browser marks the session non-fresh instead of ending it (mobile networks
    # change addresses all the time). docs/deployment.md says so.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        from marketplace.accounts.models import User
        from marketplace.notifications.services import PRELOADED, unread_subquery

        try:
            key = int(user_id)
        except (TypeError, ValueError):
            return None
        # the user (with its department) and the navigation's unread count: read with the session's row when the
        # session names this account, else in one query here (a bearer token's user is loaded by the API)
        read = request.environ.get(SESSION_USER) if has_request_context() else None
        if read is not None and read[0] == key:
            user, unread = read[1], read[2]
        else:
            row = db.session.execute(_user_statement(User, unread_subquery), {"user_id": key}).first()
            if row is None:
                return None
            user, unread = row
        if has_request_context():
            request.environ[PRELOADED] = (user.id, unread or 0)
        return user

    # Talisman keeps its settings on the instance, so each app gets its own.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=app.config["FORCE_HTTPS"],
    )
    init_sessions(app)
    from marketplace.notifications.services import track_writes

    track_writes()
    app.before_request(_expire_idle_session)
    app.before_request(_require_password_change)
    app.before_request(_require_second_factor)
    app.after_request(_no_store)


@cache
def _user_statement(user, unread_subquery):
    """The sign-in loader's SELECT, built once per process (a statement object keeps its cache key)."""
    from sqlalchemy import bindparam, select

    return select(user, unread_subquery(user.id)).where(user.id == bindparam("user_id"))


def _is_web_request() -> bool:
    return not request.path.startswith("/api/") and request.endpoint != "static"


# The last-seen time is written back only when it is older than this: a request that changes nothing else then
# leaves the session row alone (no UPDATE per page view). A session may so end up to this long before a full
# SESSION_IDLE_TIMEOUT after its very last request, never later.
SEEN_AT_RESOLUTION = 60


def _expire_idle_session():
    """Sign out after SESSION_IDLE_TIMEOUT without a request (checked server-side, not only by cookie age)."""
    if not _is_web_request() or not current_user.is_authenticated:
        return None
    from flask import current_app

    now = time.time()
    last_seen = session.get("seen_at")
    idle = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if last_seen is not None and now - last_seen > idle:
        logout_user()
        session.clear()
        flash(_("会话已超时，请重新登录"), "warning")
        return redirect(url_for("auth.login", next=safe_next(request.full_path)))
    if last_seen is None or now - last_seen >= SEEN_AT_RESOLUTION:
        session["seen_at"] = now
    if not session.permanent:  # the setter writes a key, which would mark the session changed every time
        session.permanent = True
    return None


def _require_password_change():
    if (_is_web_request() and current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ALLOWED):
        flash(_("首次登录或密码被重置后，请先修改密码"), "warning")
        return redirect(url_for("auth.change_password"))
    return None


def _require_second_factor():
    """An official whose level came to require a second factor while signed in enrols before going on."""
    from marketplace.auth.totp import is_required

    if (_is_web_request() and current_user.is_authenticated and not current_user.has_totp
            and request.endpoint not in SECOND_FACTOR_ALLOWED and is_required(current_user)):
        flash(_("请先启用两步验证"), "warning")
        return redirect(url_for("auth.setup_two_factor"))
    return None


def _no_store(response):
    """Nothing but the static assets may be kept by a browser or a proxy cache: pages and JSON answers can
    hold personal data, and a shared computer's back button or cache must not show them to the next person
    (ASVS 8.2.1). The exception: an anonymous public page served by `publiccache.public_page`, which holds
    public fields only and is the same for everyone."""
    from marketplace.publiccache import cache_headers

    if request.endpoint != "static" and not cache_headers(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
    return response


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site; None for anything that could leave it."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target.rstrip("?") or None
