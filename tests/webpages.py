"""Tests that use what the page renders: WebTest drives the app as a browser without JavaScript would.

`pages` is a `webtest.TestApp` over the session's app with CSRF switched on, so a form test must start from
the page's GET and submit the form the page rendered (its hidden fields, blank rows and default selections
included): `res = pages.get(url); form = res.forms["edit"]; form["title"] = "…"; res = form.submit()`.
`pages.sign_in(user)` signs in through the rendered sign-in form.
"""

from __future__ import annotations

import pytest
import webtest
from flask import g

from marketplace.accounts.models import User
from tests.conftest import TEST_PASSWORD


class _FreshG:
    """Each request starts with an empty `g`, as in production (the `db` fixture keeps an app context open
    for the whole test, which WebTest's requests would otherwise share)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        for key in ("_flask_babel", "_login_user", "csrf_token"):
            g.pop(key, None)
        return self.wsgi_app(environ, start_response)


class Pages(webtest.TestApp):
    def sign_in(self, user: User, password: str = TEST_PASSWORD, follow: bool = True):
        page = self.get("/auth/login")
        form = page.forms[0]
        form["username"] = user.username
        form["password"] = password
        response = form.submit()
        assert response.status_int in (302, 303), response.text[:2000]
        return response.follow() if follow else response

    def sign_out(self):
        self.reset()


@pytest.fixture
def pages(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield Pages(_FreshG(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    app.config["WTF_CSRF_ENABLED"] = False


def form_to(page, action: str) -> webtest.Form:
    """The one form of the page that submits to `action` (a path, or its end); a form without an action
    submits to the page itself."""
    forms = {id(f): f for f in page.forms.values()
             if (f.action or page.request.path).split("?")[0].endswith(action)}
    assert len(forms) == 1, f"{len(forms)} forms submit to {action}: {[f.action for f in page.forms.values()]}"
    return next(iter(forms.values()))
