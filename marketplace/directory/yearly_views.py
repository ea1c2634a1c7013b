"""Routes on the directory blueprint (see views.py): the yearly update (1 January – 30 June)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length

from marketplace.accounts.models import Department, Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import yearly
from marketplace.directory.views import bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm
from marketplace.jurisdiction import region_in_jurisdiction

PER_PAGE = 30


class UnlockForm(FlaskForm):
    reason = StringField(_l("解锁原因"), validators=[DataRequired(message=_l("请填写解锁原因")),
                                                  Length(max=500, message=_l("解锁原因不能超过 500 字"))])
    until = DateField(_l("截止日期"), validators=[DataRequired(message=_l("请填写解锁截止日期"))])


@bp.get("/yearly")
@login_required
@roles_required(Role.OFFICIAL)
def show_yearly():
    today = yearly.local_today()
    department = current_user.department
    pending = request.args.get("pending") == "1"
    own = yearly.status_rows([department], today)[0] if department.level in yearly.APPOINTING_LEVELS else None
    query = yearly.departments_below(department, yearly.data_year(today) if pending else None) \
        .where(Department.id != department.id)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template(
        "directory/yearly/status.html", today=today, window=yearly.window(today), in_window=yearly.in_window(today),
        data_year=yearly.data_year(today), own=own, rows=yearly.status_rows(page.items, today), page=page,
        pending=pending, summary=yearly.year_summary(department, today), can_confirm=yearly.can_confirm(current_user),
        editing_allowed=yearly.editing_allowed(department, today), fields=FIELD_LABELS,
        confirm_form=EmptyForm(), can_unlock=yearly.can_unlock, max_unlock_days=yearly.MAX_UNLOCK_DAYS,
        unlock_max=today + timedelta(days=yearly.MAX_UNLOCK_DAYS))


@bp.post("/yearly/confirm")
@login_required
@roles_required(Role.OFFICIAL)
def confirm_year():
    if not yearly.can_confirm(current_user):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        confirmation = yearly.confirm_year(current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已确认 %(year)s 年度名录数据（%(n)d 名辅导员）", year=confirmation.data_year,
                n=confirmation.counselor_count), "success")
    return redirect(url_for("directory.show_yearly"))


@bp.post("/yearly/unlock/<int:department_id>")
@login_required
@roles_required(Role.OFFICIAL)
def unlock_department(department_id: int):
    department = db.get_or_404(Department, department_id)
    if not region_in_jurisdiction(department.region_code, current_user):
        abort(404)
    if not yearly.can_unlock(current_user, department):
        abort(403)
    form = UnlockForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(url_for("directory.show_yearly"))
    try:
        grant = yearly.unlock(current_user, department, form.reason.data, form.until.data)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已为%(name)s解锁，截止 %(until)s", name=department.name, until=grant.until.isoformat()), "success")
    return redirect(url_for("directory.show_yearly"))


FIELD_LABELS = {"political_status": _l("政治面貌"), "education": _l("学历"), "employer": _l("工作单位"),
                "title": _l("职称")}


@bp.app_context_processor
def inject_own_window() -> dict:
    return {"own_window": yearly.own_window, "own_confirm_form": EmptyForm, "own_field_labels": FIELD_LABELS}


@bp.post("/me/confirm")
@login_required
@roles_required(Role.COUNSELOR)
def confirm_own_data():
    from sqlalchemy import select

    from marketplace.directory.models import Counselor

    counselor = db.session.scalar(select(Counselor).where(Counselor.user_id == current_user.id))
    if counselor is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        yearly.confirm_own_data(current_user, counselor)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已确认本人名录信息为最新，聘任部门可以看到"), "success")
    return redirect(url_for("directory.own_profile", _anchor="yearly-window"))
