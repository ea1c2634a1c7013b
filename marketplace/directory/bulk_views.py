"""Bulk action pages on the directory blueprint: the confirmation page, applying it, the job's page (see bulk.py)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import bulk, certificates
from marketplace.directory.forms import FilterForm
from marketplace.directory.views import bp, filters_from
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jurisdiction import get_scoped_or_404

FILTER_KEYS = ("q", "region_code", "specialty", "industry", "status", "work_mode", "source", "sort")


class BulkForm(FlaskForm):
    """The confirmation form: what was confirmed (hidden), the one reason, and the action's own fields."""

    action = HiddenField()
    scope = HiddenField()
    token = HiddenField()
    expected = IntegerField(validators=[Optional()])
    reason = TextAreaField(_l("原因（记入每名辅导员的变更记录）"),
                           validators=[DataRequired(message=_l("请填写原因（将记入每名辅导员的变更记录）")),
                                       Length(max=500, message=_l("原因不超过 500 字"))])
    term_end = DateField(_l("新聘期结束日期（不填为每人新聘期起三年）"), validators=[Optional()])
    format = SelectField(_l("输出格式"), choices=[("pdf", _l("合并为一个 PDF")), ("zip", _l("每人一个 PDF（zip）"))],
                         default="pdf")


def _selection(values) -> bulk.Selection:
    """The selection from the list's query string or the confirmation form: filters, and the ticked rows
    unless "all that match" was chosen. Values that do not parse are ignored, as on the list."""
    form = FilterForm(values)
    form.validate()
    ids = None
    if values.get("scope") != "all":
        ids = [int(v) for v in values.getlist("ids") if v.isdigit() and len(v) < 10][:bulk.MAX_IDS + 1]
    return bulk.Selection(filters=filters_from(form.data), ids=ids)


def _list_url(values) -> str:
    return url_for("directory.list_counselors", **{k: values.get(k) for k in FILTER_KEYS if values.get(k)})


def _confirm(values, form: BulkForm, status: int = 200, error: str | None = None):
    action = values.get("action", "")
    selection = _selection(values)
    if selection.ids is not None and not selection.ids:
        flash(_("请先勾选辅导员，或选择“全部筛选结果”"), "warning")
        return redirect(_list_url(values))
    try:
        preview = bulk.preview(current_user, action, selection)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(_list_url(values))
    if request.method == "GET" or not form.token.data:
        form.token.data = bulk.new_token()
    form.action.data, form.scope.data, form.expected.data = action, values.get("scope", ""), preview.changing
    hidden = [(k, values.get(k)) for k in FILTER_KEYS if values.get(k)]
    hidden += [("ids", str(i)) for i in selection.ids or []]
    return render_template("directory/bulk/confirm.html", preview=preview, form=form, hidden=hidden,
                           back_url=_list_url(values), error=error), status


@bp.get("/bulk")
@login_required
@roles_required(Role.OFFICIAL)
def confirm_bulk():
    return _confirm(request.args, BulkForm(formdata=None))


@bp.post("/bulk")
@login_required
@roles_required(Role.OFFICIAL)
def apply_bulk():
    form = BulkForm()
    if not form.validate_on_submit():
        return _confirm(request.form, form, 400)
    try:
        job = bulk.apply(current_user, form.action.data, _selection(request.form), form.reason.data,
                         form.token.data, form.expected.data or 0, form.term_end.data, form.format.data)
    except DomainError as error:
        db.session.rollback()
        if error.field in ("reason", "term_end"):
            getattr(form, error.field).errors = [error.message]
        return _confirm(request.form, form, 409 if error.status == 409 else 400,
                        None if error.field in ("reason", "term_end") else error.message)
    db.session.commit()
    if job.kind == certificates.JOB_KIND:
        return redirect(url_for("directory.show_certificate_batch", job_id=job.id))
    return redirect(url_for("directory.show_bulk", job_id=job.id))


def _job_or_404(job_id: str) -> Job:
    job = get_scoped_or_404(Job, job_id, current_user)
    if job.kind != bulk.JOB_KIND:
        abort(404)
    return job


@bp.get("/bulk/<job_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_bulk(job_id: str):
    job = _job_or_404(job_id)
    return render_template("directory/bulk/show.html", job=job, status=bulk.status(job),
                           label=bulk.action_label(job.params.get("action", "")))


@bp.get("/bulk/<job_id>.json")
@login_required
@roles_required(Role.OFFICIAL)
def bulk_status(job_id: str):
    return jsonify(bulk.status(_job_or_404(job_id)))
