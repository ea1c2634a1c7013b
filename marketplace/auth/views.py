from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import verify_password
from marketplace.audit.services import record
from marketplace.auth import throttle, totp
from marketplace.auth.forms import ChangePasswordForm, ConfirmPasswordForm, LoginForm, RegisterForm, TwoFactorForm
from marketplace.auth.security import safe_next
from marketplace.auth.sessions import regenerate_session
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
            user = accounts.authenticate(form.username.data, form.password.data, request.remote_addr)
        except DomainError as error:
            db.session.commit()  # keep the failure count and the audit entry
            flash(error.message, "danger")
            return render_template("auth/login.html", form=form), 200
        next_url = safe_next(request.args.get("next"))
        if user.has_totp or totp.is_required(user):
            db.session.commit()
            _fresh_session()
            session["pending_user_id"], session["pending_at"] = user.id, time.time()
            return redirect(url_for("auth.two_factor", next=next_url))
        _sign_in(user)
        db.session.commit()
        return redirect(next_url or url_for("main.home"))
    return render_template("auth/login.html", form=form)


PENDING_SECONDS = 300  # between the right password and the second factor


def _pending_user() -> User | None:
    user_id, at = session.get("pending_user_id"), session.get("pending_at") or 0
    if not user_id or time.time() - at > PENDING_SECONDS:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_enabled else None


@bp.route("/two-factor", methods=["GET", "POST"])
@limiter.limit(_login_rate, methods=["POST"])
def two_factor():
    """The second step of signing in: a one-time code (or a recovery code), or enrolment when the account's
    level requires a second factor it does not have yet."""
    user = _pending_user()
    if user is None:
        flash(_("请重新登录"), "warning")
        return redirect(url_for("auth.login"))
    form = TwoFactorForm()
    next_url = safe_next(request.args.get("next"))
    if not user.has_totp:
        return _enrol(user, form, next_url, signing_in=True)
    if form.validate_on_submit():
        try:
            throttle.check(user.username, request.remote_addr)
        except DomainError as error:
            form.code.errors.append(error.message)
        else:
            if totp.verify(user, form.code.data):
                _sign_in(user)
                db.session.commit()
                return redirect(next_url or url_for("main.home"))
            accounts.second_factor_failed(user, request.remote_addr)
            db.session.commit()
            form.code.errors.append(_("验证码不正确"))
    return render_template("auth/two_factor.html", form=form)


@bp.route("/two-factor/setup", methods=["GET", "POST"])
@login_required
def setup_two_factor():
    """The account's second factor (account menu "两步验证"): enrol by QR code; once it is on, re-enrol on a new
    phone, get new recovery codes, or turn it off where the level does not require it. Each of those asks for
    the password again and is audited."""
    if current_user.has_totp and not session.get("totp_reenrol"):
        return _status_page()
    return _enrol(current_user, TwoFactorForm(), None, signing_in=False)


SELF_SERVICE = ("reenrol", "codes", "disable")  # the forms of the status page (their field prefixes)


def _status_page(failed: ConfirmPasswordForm | None = None):
    forms = {name: ConfirmPasswordForm(prefix=name, formdata=None) for name in SELF_SERVICE}
    if failed is not None:
        forms[failed._prefix.rstrip("-")] = failed
    return render_template("auth/two_factor_status.html", forms=forms, required=totp.is_required(current_user),
                           remaining=totp.remaining_recovery_codes(current_user)), 200 if failed is None else 422


def _password_confirmed(name: str) -> tuple[bool, ConfirmPasswordForm]:
    form = ConfirmPasswordForm(prefix=name)
    if not form.validate_on_submit():
        return False, form
    if not verify_password(current_user.password_hash, form.password.data):
        form.password.errors.append(_("当前密码不正确"))
        return False, form
    return True, form


@bp.post("/two-factor/reenrol")
@login_required
@limiter.limit(_login_rate)
def reenrol_two_factor():
    """Start binding the second factor to a new phone; the old one keeps working until a code of the new one
    confirms it (on the setup page)."""
    if not current_user.has_totp:
        return redirect(url_for("auth.setup_two_factor"))
    confirmed, form = _password_confirmed("reenrol")
    if not confirmed:
        return _status_page(form)
    session.pop("totp_secret", None)
    session["totp_reenrol"] = True
    return redirect(url_for("auth.setup_two_factor"))


@bp.post("/two-factor/reenrol/cancel")
@login_required
def cancel_reenrol():
    session.pop("totp_reenrol", None)
    session.pop("totp_secret", None)
    flash(_("已取消重新绑定，原验证器继续有效"), "info")
    return redirect(url_for("auth.setup_two_factor"))


@bp.post("/two-factor/recovery-codes")
@login_required
@limiter.limit(_login_rate)
def regenerate_recovery_codes():
    if not current_user.has_totp:
        return redirect(url_for("auth.setup_two_factor"))
    confirmed, form = _password_confirmed("codes")
    if not confirmed:
        return _status_page(form)
    codes = totp.regenerate_recovery_codes(current_user)
    db.session.commit()
    return render_template("auth/recovery_codes.html", codes=codes, title=_("新的恢复码"),
                           next_url=url_for("auth.setup_two_factor"))


@bp.post("/two-factor/disable")
@login_required
@limiter.limit(_login_rate)
def disable_two_factor():
    if not current_user.has_totp:
        return redirect(url_for("auth.setup_two_factor"))
    confirmed, form = _password_confirmed("disable")
    if not confirmed:
        return _status_page(form)
    try:
        totp.disable(current_user)
    except DomainError as error:
        form.password.errors.append(error.message)
        return _status_page(form)
    db.session.commit()
    flash(_("两步验证已停用"), "success")
    return redirect(url_for("auth.setup_two_factor"))


def _enrol(user: User, form: TwoFactorForm, next_url: str | None, signing_in: bool):
    secret = session.get("totp_secret") or totp.new_secret()
    session["totp_secret"] = secret
    if form.validate_on_submit():
        codes = totp.enrol(user, secret, form.code.data)
        if codes is None:
            if signing_in:
                accounts.second_factor_failed(user, request.remote_addr)
                db.session.commit()
            form.code.errors.append(_("验证码不正确，请核对手机时间后重试"))
        else:
            session.pop("totp_secret", None)
            session.pop("totp_reenrol", None)
            if signing_in:
                _sign_in(user)
            db.session.commit()
            return render_template("auth/recovery_codes.html", codes=codes,
                                   next_url=next_url or url_for("main.home"))
    uri = totp.provisioning_uri(user, secret)
    return render_template("auth/two_factor_setup.html", form=form, qr=totp.qr_data_uri(uri), secret=secret,
                           required=totp.is_required(user), reenrol=user.has_totp)


def _sign_in(user: User) -> None:
    _fresh_session()
    login_user(user)
    # the idle clock starts at sign-in, and the form token is there from the start: the pages that follow
    # need not write the session
    session["seen_at"] = time.time()
    session.permanent = True
    generate_csrf()
    accounts.record_sign_in(user)


@bp.post("/logout")
@login_required
def logout():
    record(current_user, "auth.logout", current_user)
    db.session.commit()
    logout_user()
    _fresh_session()  # the server-side session row is deleted: a copied cookie no longer signs anyone in
    flash(_("您已安全退出"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.new_password.data,
                                     keep_session=session.sid)
        except DomainError as error:
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            regenerate_session()
            flash(_("密码已修改，其他设备上的登录和接口令牌已失效"), "success")
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
            _sign_in(user)
            db.session.commit()
            flash(_("注册成功，欢迎使用辅导平台"), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/register.html", form=form)



def _fresh_session() -> None:
    """Start a new session under a new id (no fixation across sign-in and sign-out; the old row is deleted)
    that keeps the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    regenerate_session()
