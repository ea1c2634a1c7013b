"""WTForms' own messages ("Number must be between …", "Not a valid decimal value.") are Chinese in the Chinese
pages, for top-level forms (FlaskForm reads WTForms' catalog) and sub-forms alike (`marketplace.forms.SubForm`)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from flask_wtf import FlaskForm
from wtforms import Form

import marketplace
from marketplace.forms import SubForm


def _form_classes():
    for module_info in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        if not module_info.name.endswith("forms"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Form) and cls.__module__ == module.__name__:
                yield cls


def test_every_sub_form_reads_the_translations():
    plain = [cls.__qualname__ for cls in _form_classes() if not issubclass(cls, FlaskForm | SubForm)]
    assert plain == [], f"sub-forms without translations (derive them from marketplace.forms.SubForm): {plain}"


def test_a_top_level_forms_number_message_is_chinese(pages, world):
    pages.sign_in(world["operator"])
    page = pages.get("/entities/new")
    form = pages.form_with(page, "登记")
    form["members"] = "-3"
    form["area_mu"] = "很多"
    refused = form.submit()
    assert "数值大小必须介于" in refused.text and "不是有效的小数" in refused.text
    assert "Number must be" not in refused.text and "Not a valid" not in refused.text
