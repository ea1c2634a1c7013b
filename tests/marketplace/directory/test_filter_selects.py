"""The directory's filter selects are kept per language and chosen value, and still show the visitor's choice."""

from __future__ import annotations

import re

from flask_babel import force_locale
from werkzeug.datastructures import MultiDict

from marketplace.directory.forms import FilterForm
from marketplace.forms import _KeptSelect


def render(app, args: dict, locale: str = "zh") -> str:
    with app.test_request_context("/directory/"), force_locale(locale):
        form = FilterForm(MultiDict(args))
        return str(form.status(class_="form-select"))


def test_the_chosen_value_and_the_language_show(app):
    _KeptSelect.kept.clear()
    plain = render(app, {})
    assert "selected" not in plain and "全部状态" in plain
    chosen = render(app, {"status": "suspended"})
    assert re.search(r'<option (selected value="suspended"|value="suspended" selected)', chosen)
    assert chosen.count("selected") == 1
    assert render(app, {}) == plain  # kept
    english = render(app, {}, "en")
    assert "全部状态" not in english and english != plain


def test_an_unknown_value_is_rendered_but_not_kept(app):
    _KeptSelect.kept.clear()
    html = render(app, {"status": "<script>"})
    assert "<script>" not in html
    assert not any(key[4] == "<script>" for key in _KeptSelect.kept)
    assert len(_KeptSelect.kept) == 0
