"""Anonymous public pages (the public directory, the service catalogue) served from a short per-process cache.

Such a page is the same for every visitor who is not signed in and has no session (no chosen language, no
flashed message): it shows public fields only. Its rendered answer is kept PUBLIC_PAGE_CACHE_SECONDS per URL
(30 s by default, off under TESTING unless set), so a burst of anonymous views costs one query and one render;
what an official changes shows there within that time. The answer says so to browsers and proxies
(`Cache-Control: public, max-age=…`, an ETag and Last-Modified, 304 to a matching conditional request).
Anyone signed in, or with a session, gets the page rendered for them and `no-store` as before
(`auth.security._no_store`).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from functools import wraps
from threading import Lock

from flask import current_app, g, make_response, request, session
from flask_login import current_user
from werkzeug.http import http_date

MAX_ENTRIES = 512  # URLs kept per process (query strings vary); the least recently stored go first

_entries: OrderedDict[str, tuple[float, float, bytes, str]] = OrderedDict()
_lock = Lock()


def seconds() -> int:
    configured = current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS")
    if configured is None:
        return 0 if current_app.testing else 30
    return int(configured)


def clear() -> None:
    with _lock:
        _entries.clear()


def _anonymous() -> bool:
    return not current_user.is_authenticated and not session and request.method == "GET"


def public_page(view):
    """Serve `view` from the cache to anonymous visitors without a session (see the module's docstring)."""
    @wraps(view)
    def cached(*args, **kwargs):
        ttl = seconds()
        if ttl <= 0 or not _anonymous():
            return view(*args, **kwargs)
        key = request.full_path
        now = time.time()
        with _lock:
            hit = _entries.get(key)
        if hit is None or hit[0] <= now:
            response = make_response(view(*args, **kwargs))
            # only a plain page that left the session alone (nothing flashed, no token issued) is the same for all
            if response.status_code != 200 or session.modified or response.headers.get("Set-Cookie"):
                return response
            hit = (now + ttl, now, response.get_data(), response.mimetype)
            with _lock:
                _entries[key] = hit
                _entries.move_to_end(key)
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
        expires_at, stored_at, body, mimetype = hit
        response = current_app.response_class(body, mimetype=mimetype)
        response.add_etag()
        response.headers["Last-Modified"] = http_date(stored_at)
        g.public_max_age = max(1, int(expires_at - now))
        return response.make_conditional(request)

    return cached


def cache_headers(response) -> bool:
    """Public caching headers on an answer that `public_page` served to an anonymous visitor; False when the
    answer is not one (the caller then marks it no-store)."""
    max_age = g.get("public_max_age")
    if max_age is None or session.modified or current_user.is_authenticated:
        return False
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.vary.add("Cookie")
    return True
