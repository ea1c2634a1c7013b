from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.audit.services import record
from marketplace.auth.forms import ChangePasswordForm, LoginForm, RegisterForm
from marketplace.auth.security import safe_next
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_rate() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except DomainError as error:
            db.session.commit()  # keep the failure count and the audit entry
            flash(error.message, "danger")
            return render_template("auth/login.html", form=form), 200
        _fresh_session()
        login_user(user)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    record(current_user, "auth.logout", current_user)
    db.session.commit()
    logout_user()
    _fresh_session()
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data)
        except DomainError as error:
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("密码已修改"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        data = accounts.NewAccount(username=form.username.data.strip(), display_name=form.display_name.data.strip(),
                          role=Role(form.role.data), region_code=form.region_code.data,
                          phone=form.phone.data, email=form.email.data)
        try:
            user = accounts.register_account(data, form.password.data)
        except DomainError as error:
            getattr(form, error.field or "username").errors.append(error.message)
        else:
            db.session.commit()
            login_user(user)
            flash(_("注册成功，欢迎使用辅导平台"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form)



def _fresh_session() -> None:
    """Start a new session (no fixation across sign-in and sign-out) that keeps the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
