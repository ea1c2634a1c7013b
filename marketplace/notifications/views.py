from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.auth.security import safe_next
from marketplace.extensions import db
from marketplace.forms import EmptyForm
from marketplace.jurisdiction import get_scoped_or_404, scoped
from marketplace.notifications import channels, services
from marketplace.notifications.forms import SmsSettingsForm
from marketplace.notifications.models import Notification

bp = Blueprint("notifications", __name__, url_prefix="/inbox")


@bp.get("/")
@login_required
def list_notifications():
    query = scoped(Notification, current_user).order_by(Notification.created_at.desc(), Notification.id.desc())
    page = db.paginate(query, per_page=20, error_out=False)
    return render_template("notifications/list.html", page=page, form=EmptyForm())


@bp.post("/<int:notification_id>/read")
@login_required
def read_notification(notification_id: int):
    notification = get_scoped_or_404(Notification, notification_id, current_user)
    services.mark_read(current_user, notification)
    db.session.commit()
    return redirect(safe_next(notification.link) or url_for("notifications.list_notifications"))


@bp.post("/read-all")
@login_required
def read_all():
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(_("已将 %(n)d 条消息标为已读", n=count), "success")
    return redirect(url_for("notifications.list_notifications"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def sms_settings():
    """Which events also reach me by text message (urgent ones at once, routine ones in a digest)."""
    form = SmsSettingsForm(data={"sms_events": channels.sms_events(current_user)})
    if form.validate_on_submit():
        channels.set_sms_events(current_user, form.sms_events.data or [], current_user)
        db.session.commit()
        flash(_("短信提醒设置已保存"), "success")
        return redirect(url_for("notifications.sms_settings"))
    return render_template("notifications/settings.html", form=form, messages=channels.recent_messages(current_user),
                           limit=channels.daily_limit(), backend=current_app.config.get("SMS_BACKEND", "file"))
