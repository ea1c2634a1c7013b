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

    @staticmethod
    def buttons(res) -> list[tuple[object, object]]:
        """Every submit button the page rendered, as (form, button tag) pairs."""
        found = []
        for form in {id(f): f for f in res.forms.values()}.values():
            for tag in form.html.find_all(["button", "input"]):
                if (tag.name == "button" and tag.get("type", "submit") == "submit") or (
                        tag.name == "input" and tag.get("type") == "submit"):
                    found.append((form, tag))
        return found

    @staticmethod
    def label_of(tag) -> str:
        return " ".join(tag.get_text(" ", strip=True).split()) or tag.get("value", "")

    def form_with(self, res, label: str):
        """The rendered form holding the button labelled `label`."""
        return self._button(res, label)[0]

    def _button(self, res, label: str):
        matches = [(f, t) for f, t in self.buttons(res) if label in self.label_of(t)]
        assert matches, f"no button {label!r} on the page; it shows {[self.label_of(t) for _f, t in self.buttons(res)]}"
        return matches[0]

    def press(self, res, label: str, form=None, upload_files=None, extra_environ=None, **fields):
        """Press the button labelled `label` as a browser would: the fields of its form as rendered (with
        `fields` changed), posted to the button's `formaction` or else the form's action."""
        form, tag = self._button(res, label) if form is None else (form, next(
            t for f, t in self.buttons(res) if f is form and label in self.label_of(t)))
        for name, value in fields.items():
            form[name] = value
        params = form.submit_fields()
        if tag.get("name"):
            params.append((tag["name"], tag.get("value", "")))
        action = tag.get("formaction") or form.action or res.request.path
        extra = {"extra_environ": extra_environ} if extra_environ else {}
        if upload_files:
            return res.goto(action, method="post", params=params, upload_files=upload_files,
                            content_type="multipart/form-data", **extra)
        return res.goto(action, method=form.method.lower(), params=params, **extra)


@pytest.fixture
def pages(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield Pages(_FreshG(app), extra_environ={"REMOTE_ADDR": "127.0.0.1"})
    app.config["WTF_CSRF_ENABLED"] = False


def form_to(page, action: str) -> webtest.Form:
    """The one form of the page that submits to `action` (a path, or its end)."""
    forms = {id(f): f for f in page.forms.values() if (f.action or "").split("?")[0].endswith(action)}
    assert len(forms) == 1, f"{len(forms)} forms submit to {action}: {[f.action for f in page.forms.values()]}"
    return next(iter(forms.values()))
