from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.auth.security import safe_next
from marketplace.extensions import db
from marketplace.jurisdiction import scoped
from marketplace.notifications.models import Notification

bp = Blueprint("main", __name__)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    recent = db.session.scalars(scoped(Notification, current_user)
                                .order_by(Notification.created_at.desc()).limit(5)).all()
    context = {"recent": recent}
    if current_user.role is Role.OFFICIAL:
        counts = db.session.execute(
            scoped(User, current_user).with_only_columns(User.role, func.count()).group_by(User.role)).all()
        context["account_counts"] = {role.value: count for role, count in counts}
    return render_template(f"main/home_{current_user.role.value}.html", **context)


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for("main.home"))


@bp.get("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
