"""Notice pages: the notices that reached me and those my jurisdiction sent, writing and publishing a notice,
its attachments, the read counts per region, and the public notices anyone may read."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.centers import uploads
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_errors
from marketplace.notices import services
from marketplace.notices.forms import AttachmentForm, NoticeForm, ReasonForm
from marketplace.notices.labels import KIND_LABELS, STATE_BADGES, STATE_LABELS
from marketplace.notices.models import Notice, NoticeAttachment, NoticeState

bp = Blueprint("notices", __name__, url_prefix="/notices")
public_bp = Blueprint("public_notices", __name__, url_prefix="/public/notices")
PER_PAGE = 20
LABELS = {"states": STATE_LABELS, "badges": STATE_BADGES, "kinds": KIND_LABELS}


def _notice_or_404(notice_id: int) -> Notice:
    notice = services.get_visible_or_none(current_user, notice_id)
    if notice is None:
        abort(404)
    return notice


def _managed_or_403(notice_id: int) -> Notice:
    notice = _notice_or_404(notice_id)
    if not services.can_manage(current_user, notice):
        abort(403)
    return notice


def _to_show(notice: Notice):
    return redirect(url_for("notices.show_notice", notice_id=notice.id))


@bp.get("/")
@login_required
def list_notices():
    box = request.args.get("box", "received")
    if box != "sent" or not services.can_publish(current_user):
        box = "received"
    query = services.sent(current_user) if box == "sent" else services.received(current_user)
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    receipts = services.receipts_for(current_user, [n.id for n in page.items]) if box == "received" else {}
    return render_template("notices/list.html", page=page, box=box, receipts=receipts,
                           can_publish=services.can_publish(current_user), labels=LABELS)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def new_notice():
    form = NoticeForm()
    if form.validate_on_submit():
        try:
            notice = services.create_notice(current_user, form.to_input())
        except DomainError as error:
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("已保存草稿“%(title)s”，可添加附件后发布", title=notice.title), "success")
            return _to_show(notice)
    return render_template("notices/form.html", form=form, notice=None)


@bp.get("/<int:notice_id>")
@login_required
def show_notice(notice_id: int):
    notice = _notice_or_404(notice_id)
    receipt = services.receipt_of(current_user, notice)
    if receipt is not None and notice.state is NoticeState.PUBLISHED and services.open_notice(current_user, notice):
        db.session.commit()
    can_manage = services.can_manage(current_user, notice)
    return render_template("notices/show.html", notice=notice, receipt=receipt, can_manage=can_manage,
                           can_see_counts=services.can_see_counts(current_user, notice),
                           actions=services.actions_for(current_user, notice), reason_form=ReasonForm(),
                           attachment_form=AttachmentForm(), labels=LABELS,
                           hide_body=notice.state is NoticeState.WITHDRAWN and not current_user.is_official)


@bp.route("/<int:notice_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def edit_notice(notice_id: int):
    notice = _managed_or_403(notice_id)
    if notice.state is not NoticeState.DRAFT:
        flash(_("通知已发布或已撤回，不能再修改"), "warning")
        return _to_show(notice)
    form = NoticeForm()
    if request.method == "GET":
        form.load(notice)
    elif form.validate_on_submit():
        try:
            services.update_notice(notice, form.to_input(), current_user)
        except DomainError as error:
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return _to_show(notice)
    return render_template("notices/form.html", form=form, notice=notice)


@bp.post("/<int:notice_id>/attachments")
@login_required
@roles_required(Role.OFFICIAL)
def add_attachment(notice_id: int):
    notice = _managed_or_403(notice_id)
    form = AttachmentForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "warning")
        return _to_show(notice)
    upload = form.file.data
    try:
        attachment = services.attach(notice, upload.stream if upload else None, upload.filename if upload else None,
                                     current_user) if upload else None
        if attachment is None:
            raise DomainError(_("请选择要上传的文件"), field="file")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已添加附件“%(name)s”", name=attachment.original_name), "success")
    return _to_show(notice)


def _attachment_or_404(notice: Notice, attachment_id: int) -> NoticeAttachment:
    attachment = db.session.scalar(select(NoticeAttachment).where(NoticeAttachment.id == attachment_id,
                                                                  NoticeAttachment.notice_id == notice.id))
    if attachment is None:
        abort(404)
    return attachment


@bp.post("/<int:notice_id>/attachments/<int:attachment_id>/remove")
@login_required
@roles_required(Role.OFFICIAL)
def remove_attachment(notice_id: int, attachment_id: int):
    notice = _managed_or_403(notice_id)
    attachment = db.session.scalar(select(NoticeAttachment).where(NoticeAttachment.id == attachment_id,
                                                                  NoticeAttachment.notice_id == notice.id))
    if attachment is None:  # already removed (the same button pressed twice)
        flash(_("该附件已删除"), "info")
        return _to_show(notice)
    if not ReasonForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "warning")
        return _to_show(notice)
    try:
        services.detach(attachment, current_user)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(_("已删除附件"), "success")
    return _to_show(notice)


@bp.get("/<int:notice_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(notice_id: int, attachment_id: int):
    notice = _notice_or_404(notice_id)
    if notice.state is NoticeState.WITHDRAWN and not current_user.is_official:
        abort(404)
    attachment = _attachment_or_404(notice, attachment_id)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)


@bp.post("/<int:notice_id>/actions/<action>")
@login_required
@roles_required(Role.OFFICIAL)
def act_on_notice(notice_id: int, action: str):
    notice = _managed_or_403(notice_id)
    if action not in services.TRANSITIONS:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.transition(notice, action, current_user, form.reason.data)
        except DomainError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("通知状态：%(state)s", state=STATE_LABELS[notice.state]), "success")
    else:
        flash("；".join(str(e) for errors in form.errors.values() for e in errors) or _("页面已过期，请刷新后重试"),
              "warning")
    return _to_show(notice)


@bp.get("/<int:notice_id>/receipts")
@login_required
@roles_required(Role.OFFICIAL)
def show_receipts(notice_id: int):
    notice = _notice_or_404(notice_id)
    if not services.can_see_counts(current_user, notice):
        abort(403)
    region_code = services.drill_region(notice, request.args.get("region", "")[:12], current_user)
    return render_template("notices/receipts.html", notice=notice, counts=services.counts(notice, region_code),
                           labels=LABELS)


@public_bp.get("/")
def list_public():
    page = db.paginate(services.public_notices(), per_page=PER_PAGE, error_out=False)
    return render_template("notices/public_list.html", page=page)


def _public_or_404(notice_id: int) -> Notice:
    notice = db.session.scalars(services.public_notices().where(Notice.id == notice_id)).first()
    if notice is None:
        abort(404)
    return notice


@public_bp.get("/<int:notice_id>")
def show_public(notice_id: int):
    return render_template("notices/public_show.html", notice=_public_or_404(notice_id))


@public_bp.get("/<int:notice_id>/attachments/<int:attachment_id>")
def download_public(notice_id: int, attachment_id: int):
    attachment = _attachment_or_404(_public_or_404(notice_id), attachment_id)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)
