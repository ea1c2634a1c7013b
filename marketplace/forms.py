"""Form pieces shared by every area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Form, HiddenField, SelectField, SelectMultipleField
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget, Select


class VersionedForm:
    """Mixin for an edit form: the version of the record it was rendered from (see marketplace/versioning.py).
    The view fills it on GET (``form.lock_version.data = record.lock_version``) and passes
    ``submitted_version(form)`` to the service, which refuses a save from a stale form."""

    lock_version = HiddenField()


def submitted_version(form) -> int | None:
    from marketplace.versioning import parse

    return parse(form.lock_version.data)


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for POST buttons."""


class SubForm(Form):
    """A sub-form (a row of a FieldList, a FormField): the outer FlaskForm carries the CSRF token. Plain
    WTForms forms have no translations, so their built-in messages ("Number must be between …") would be
    English in the Chinese pages; this one reads WTForms' own catalog in the request's language, as FlaskForm
    does."""

    class Meta:
        def get_translations(self, form):
            from flask import current_app
            from flask_wtf.i18n import translations

            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return translations


class RegionPicker:
    """Cascading selects (one per level) that fill a hidden region code; see static/js/app.js."""

    def __call__(self, field: RegionField, **kwargs: object) -> Markup:
        attrs = {
            "data-region-picker": "1",
            "data-root": field.root_code,
            "data-depth": str(field.depth),
            "data-selected": field.data or "",
            "data-placeholder": str(_l("请选择")),
        }
        if field.root_label:  # the root itself can be chosen (a counselor placed in the county itself)
            attrs["data-root-label"] = str(field.root_label)
        data = Markup(" ").join(Markup('{}="{}"').format(k, v) for k, v in attrs.items())
        return Markup('<div class="region-picker" {}><input type="hidden" id="{}" name="{}" value="{}"></div>').format(
            data, field.id, field.name, field.data or "")


class RegionField(HiddenField):
    """A region code chosen level by level below `root_code`, at most `depth` levels down."""

    widget = RegionPicker()

    def __init__(self, label=None, validators=None, root_code: str = "000000", depth: int = 4,
                 root_label: str | None = None, **kwargs):
        super().__init__(label, validators or [DataRequired(message=_l("请选择地区"))], **kwargs)
        self.root_code = root_code
        self.depth = depth
        self.root_label = root_label  # when set, the first list offers the root region itself under this label


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes (specialties, industries, categories)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _KeptSelect(Select):
    """Select's HTML kept per (choice list, language, name, id, attributes, selected value): a list page's
    filter selects resolve and escape every label on each view otherwise. Only a field whose choices are still
    the class-level ones and whose value is one of them (or empty) is kept, so the table stays small."""

    kept: dict[tuple, Markup] = {}
    LIMIT = 2048

    def __call__(self, field, **kwargs):
        from flask_babel import get_locale

        values = getattr(field, "_fixed_values", None)
        data = field.data
        if values is None or field._choices is not field._fixed or (data not in (None, "") and data not in values):
            return super().__call__(field, **kwargs)
        key = (field._fixed_source, str(get_locale()), field.name, field.id, data,
               tuple(sorted((k, str(v)) for k, v in kwargs.items())))
        html = self.kept.get(key)
        if html is None:
            html = super().__call__(field, **kwargs)
            if len(self.kept) >= self.LIMIT:
                self.kept.clear()
            self.kept[key] = html
        return html


class FixedSelectField(SelectField):
    """A SelectField over a fixed list of choices given at class level (filter forms); renders through
    `_KeptSelect`. Reassigning `choices` on an instance renders it afresh as a plain select."""

    widget = _KeptSelect()

    def __init__(self, label=None, validators=None, choices=None, **kwargs):
        super().__init__(label, validators, choices=choices, **kwargs)
        self._fixed = self._choices
        self._fixed_source = id(choices)
        self._fixed_values = frozenset(str(value) for value, *_ in choices)


def enum_choices(labels: dict, blank: str | None = None) -> list[tuple[str, str]]:
    """Select choices from a {enum member: label} table, optionally with a leading blank choice."""
    choices = [(str(k.value), v) for k, v in labels.items()]
    return [("", blank), *choices] if blank is not None else choices


def show_errors(form, error, default: str = "name") -> None:
    """Put a refused action's messages beside their fields (`DomainError.errors`); a message for a field the
    form does not have goes beside `default`. A save from a stale form is flashed above the form."""
    from flask import flash

    from marketplace.versioning import StaleRecord

    if isinstance(error, StaleRecord):
        flash(error.message, "danger")
        return
    for name, message in (error.errors or {default: error.message}).items():
        field = getattr(form, name, None) or getattr(form, default)
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
