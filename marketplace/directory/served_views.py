"""Routes on the directory blueprint (see views.py): the record's "服务主体类型和数量" group, with the service
done off the platform that the appointing department records."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import served
from marketplace.directory.forms import OffPlatformForm
from marketplace.directory.models import Counselor
from marketplace.directory.views import bp
from marketplace.entities.labels import TYPE_LABELS
from marketplace.entities.models import EntityType
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.timeutil import local_today


@bp.app_context_processor
def inject() -> dict:
    return {"served_group": served.served, "can_record_served": served.can_record,
            "off_platform_form": _blank_form, "entity_type_labels": TYPE_LABELS, "remove_served_form": EmptyForm}


def _blank_form() -> OffPlatformForm:
    form = OffPlatformForm(formdata=None)
    form.year.data = local_today().year
    return form


def _back(counselor_id: int):
    return redirect(url_for("directory.show_counselor", counselor_id=counselor_id, _anchor="served"))


@bp.post("/<int:counselor_id>/served")
@login_required
@roles_required(Role.OFFICIAL)
def record_served(counselor_id: int):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    if not served.can_record(current_user, counselor):
        abort(403)
    form = OffPlatformForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return _back(counselor.id)
    try:
        served.record_off_platform(current_user, counselor, EntityType(form.entity_type.data), form.count.data,
                                   form.year.data, form.note.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已登记平台外服务"), "success")
    return _back(counselor.id)


@bp.post("/<int:counselor_id>/served/<int:entry_id>/remove")
@login_required
@roles_required(Role.OFFICIAL)
def remove_served(counselor_id: int, entry_id: int):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    if not served.can_record(current_user, counselor):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        served.remove_off_platform(current_user, counselor, entry_id)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已删除该条平台外服务记录"), "success")
    return _back(counselor.id)
