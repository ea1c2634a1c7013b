from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import SelectField, StringField
from wtforms.validators import Optional

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import ACTION_LABELS, detail_lines, object_label, object_names
from marketplace.auth.decorators import roles_required
from marketplace.extensions import db
from marketplace.jurisdiction import scoped

bp = Blueprint("audit", __name__, url_prefix="/audit")


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False

    action = SelectField(_l("操作"), validators=[Optional()])
    object_id = StringField(_l("记录编号"), validators=[Optional()])


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL)
def list_entries():
    form = AuditSearchForm(request.args)
    form.action.choices = [("", _l("全部操作"))] + [(k, str(v)) for k, v in ACTION_LABELS.items()]
    query = scoped(AuditEntry, current_user).options(selectinload(AuditEntry.actor))
    if form.validate():
        if form.action.data:
            query = query.where(AuditEntry.action == form.action.data)
        if form.object_id.data:
            query = query.where(AuditEntry.object_id == form.object_id.data.strip())
    page = db.paginate(query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()), per_page=30,
                       error_out=False)
    return render_template("audit/list.html", form=form, page=page, names=object_names(page.items),
                           object_label=object_label, detail_lines=detail_lines)
