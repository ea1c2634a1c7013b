from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select

from marketplace.accounts import services as accounts
from marketplace.accounts.forms import AccountSearchForm, CreateAccountForm, ReasonForm
from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEntry
from marketplace.auth import throttle
from marketplace.auth.decorators import roles_required
from marketplace.auth.models import LoginThrottle
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm
from marketplace.jurisdiction import get_scoped_or_404, scoped
from marketplace.labels import ROLE_LABELS
from marketplace.timeutil import utcnow

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def account_query(form: AccountSearchForm):
    query = scoped(User, current_user).where(User.id != current_user.id)
    if form.q.data:
        pattern = f"%{form.q.data.strip()}%"
        query = query.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
    if form.role.data:
        query = query.where(User.role == Role(form.role.data))
    if form.status.data == "enabled":
        query = query.where(User.is_enabled.is_(True))
    elif form.status.data == "disabled":
        query = query.where(User.is_enabled.is_(False))
    elif form.status.data == "locked":
        query = query.where(select(LoginThrottle.key).where(
            LoginThrottle.key == throttle.name_key_of_column(User.username),
            LoginThrottle.blocked_until > utcnow()).exists())
    return query.order_by(User.created_at.desc(), User.id.desc())


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL)
def list_accounts():
    form = AccountSearchForm(request.args)
    form.role.choices = [("", _("全部类型"))] + [(r.value, str(label)) for r, label in ROLE_LABELS.items()]
    if not form.validate():
        form.role.data = form.status.data = ""
    page = db.paginate(account_query(form), per_page=20, error_out=False)
    return render_template("accounts/list.html", form=form, page=page, can_manage=accounts.can_manage)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def create_account():
    roles = accounts.issuable_roles(current_user)
    if not roles:
        abort(403)
    form = CreateAccountForm()
    form.role.choices = [(r.value, str(ROLE_LABELS[r])) for r in roles]
    form.region_code.root_code = current_user.department.region_code
    if form.validate_on_submit():
        data = accounts.NewAccount(username=form.username.data.strip(), display_name=form.display_name.data.strip(),
                                   role=Role(form.role.data), region_code=form.region_code.data,
                                   phone=form.phone.data, email=form.email.data,
                                   department_name=form.department_name.data or None)
        try:
            user, password = accounts.create_account(current_user, data)
        except DomainError as error:
            getattr(form, error.field or "username").errors.append(error.message)
        else:
            db.session.commit()
            return render_template("accounts/issued.html", user=user, password=password)
    return render_template("accounts/new.html", form=form)


@bp.get("/<int:user_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_account(user_id: int):
    return _render_show(get_scoped_or_404(User, user_id, current_user))


def _render_show(user: User, revealed: dict | None = None):
    history = db.session.scalars(
        scoped(AuditEntry, current_user).where(AuditEntry.object_type == "users", AuditEntry.object_id == str(user.id))
        .order_by(AuditEntry.created_at.desc()).limit(20)).all()
    return render_template("accounts/show.html", user=user, history=history, reason_form=ReasonForm(),
                           revealed=revealed or {}, throttled_until=throttle.blocked_until(user.username),
                           button_form=EmptyForm(), can_manage=accounts.can_manage(current_user, user),
                           issued_count=db.session.scalar(scoped(User, current_user).with_only_columns(func.count())
                                                          .where(User.created_by_id == user.id)))


@bp.post("/<int:user_id>/reveal")
@login_required
@roles_required(Role.OFFICIAL)
def reveal_contact(user_id: int):
    user = get_scoped_or_404(User, user_id, current_user)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("查看完整联系方式须填写用途"), "danger")
        return redirect(url_for("accounts.show_account", user_id=user.id))
    try:
        revealed = accounts.reveal_contact(current_user, user, form.reason.data)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.show_account", user_id=user.id))
    db.session.commit()
    return _render_show(user, revealed=revealed)


@bp.post("/<int:user_id>/disable")
@login_required
@roles_required(Role.OFFICIAL)
def disable_account(user_id: int):
    return _manage(user_id, lambda user, form: accounts.disable_account(current_user, user, form.reason.data),
                   _("账户已停用"), ReasonForm)


@bp.post("/<int:user_id>/enable")
@login_required
@roles_required(Role.OFFICIAL)
def enable_account(user_id: int):
    return _manage(user_id, lambda user, form: accounts.enable_account(current_user, user, form.reason.data),
                   _("账户已启用"), ReasonForm)


@bp.post("/<int:user_id>/reset-password")
@login_required
@roles_required(Role.OFFICIAL)
def reset_password(user_id: int):
    user = get_scoped_or_404(User, user_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        password = accounts.reset_password(current_user, user)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.show_account", user_id=user.id))
    db.session.commit()
    return render_template("accounts/issued.html", user=user, password=password, reset=True)


@bp.post("/<int:user_id>/unlock")
@login_required
@roles_required(Role.OFFICIAL)
def unlock_sign_in(user_id: int):
    return _manage(user_id, lambda user, form: accounts.unlock_sign_in(current_user, user), _("已解除登录限制"),
                   EmptyForm)


def _manage(user_id: int, action, done: str, form_class):
    user = get_scoped_or_404(User, user_id, current_user)
    form = form_class()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash("；".join(str(e) for e in errors), "danger")
        return redirect(url_for("accounts.show_account", user_id=user.id))
    try:
        action(user, form)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("accounts.show_account", user_id=user.id))
