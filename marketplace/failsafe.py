"""Error pages that need nothing: no database, no usable session, no signed-in user.

A 500 may come from the database itself (down, or a failed commit that left the session unusable), so the
page is rendered from a standalone template straight from the Jinja environment (no context processors, which
read the user and the unread count), after discarding the session; should even that fail, a fixed Chinese
page is returned.
"""

from __future__ import annotations

import logging

from flask import current_app, request
from markupsafe import escape

from marketplace.extensions import db

log = logging.getLogger(__name__)

FALLBACK = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{status}</title></head>"
            "<body style=\"font-family:sans-serif;text-align:center;padding:3em\"><h1>{status}</h1><p>{message}</p>"
            "<p><a href=\"/\">返回首页</a></p></body></html>")


def discard_session() -> None:
    """Roll back and drop the request's session whatever its state (it may be unable to emit SQL)."""
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: nothing to roll back
        log.debug("rollback after an error failed", exc_info=True)
    try:
        db.session.remove()
    except Exception:
        log.debug("removing the session after an error failed", exc_info=True)


def plain_page(status: int, message: str, detail: str | None = None) -> tuple[str, int]:
    try:
        template = current_app.jinja_env.get_template("errors/plain.html")
        html = template.render(status=status, message=message, detail=detail, home=request.script_root + "/",
                               static=request.script_root + "/static/")
    except Exception:
        log.exception("the plain error page failed to render")
        html = FALLBACK.format(status=status, message=escape(message))
    return html, status
