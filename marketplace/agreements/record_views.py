"""Acceptance (验收) and service-record (服务记录) pages, on the agreements blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.agreements import lifecycle, records, services
from marketplace.agreements.forms import AcceptanceForm, RecordForm
from marketplace.agreements.lifecycle import ItemCheck
from marketplace.agreements.models import AgreementStatus, Attachment, Party, RecordKind
from marketplace.agreements.views import bp
from marketplace.centers import uploads
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_errors


def _checks(agreement) -> tuple[list[ItemCheck], bool]:
    """The per-item results posted as item-<id>-result / item-<id>-comment; whether every item was marked."""
    checks, complete = [], True
    for item in agreement.items:
        result = request.form.get(f"item-{item.id}-result")
        if result not in ("passed", "failed"):
            complete = False
            continue
        checks.append(ItemCheck(item.id, result == "passed", request.form.get(f"item-{item.id}-comment", "")[:2000]))
    return checks, complete


@bp.route("/<int:agreement_id>/acceptance", methods=["GET", "POST"])
@login_required
def review_agreement(agreement_id: int):
    agreement = services.visible_agreement(agreement_id, current_user)
    if services.party_of(current_user, agreement) is not Party.ENTITY:
        abort(403)
    form = AcceptanceForm()
    if agreement.status is not AgreementStatus.SUBMITTED:
        flash(_("协议当前为“%(status)s”，不能验收", status=lifecycle.status_label(agreement.status)), "warning")
        return redirect(url_for("agreements.show_agreement", agreement_id=agreement.id))
    if form.validate_on_submit():
        checks, complete = _checks(agreement)
        try:
            if not complete:
                raise DomainError(_("请逐项验收全部服务项目"), field="comment")
            if all(check.passed for check in checks):
                satisfaction = int(form.satisfaction.data) if (form.satisfaction.data or "").isdigit() else None
                lifecycle.accept(agreement, current_user, checks, satisfaction, form.comment.data or "")
            else:
                lifecycle.request_changes(agreement, current_user, checks, form.comment.data or "")
            for item in agreement.items:
                for upload in request.files.getlist(f"item-{item.id}-photos"):
                    if upload and upload.filename:
                        records.attach(current_user, agreement, upload.stream, upload.filename, item_id=item.id)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error, default="comment")
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("验收通过，感谢您的评价") if agreement.status is AgreementStatus.ACCEPTED
                  else _("已要求服务方整改不合格的项目"), "success")
            return redirect(url_for("agreements.show_agreement", agreement_id=agreement.id))
    return render_template("agreements/acceptance.html", agreement=agreement, form=form,
                           posted=request.form if request.method == "POST" else {})


@bp.route("/<int:agreement_id>/records", methods=["GET", "POST"])
@login_required
def list_records(agreement_id: int):
    agreement = services.visible_agreement(agreement_id, current_user)
    is_provider = services.party_of(current_user, agreement) is Party.PROVIDER
    form = RecordForm()
    if request.method == "POST":
        if not is_provider:
            abort(403)
        if form.validate_on_submit():
            data = records.RecordInput(
                served_on=form.served_on.data, kind=RecordKind(form.kind.data), content=form.content.data or "",
                participants=form.participants.data or "", place=form.place.data or "",
                corrects_id=form.corrects_id.data,
                files=[(f.stream, f.filename) for f in request.files.getlist(form.files.name) if f and f.filename])
            try:
                row = records.add_record(current_user, agreement, data)
            except DomainError as error:
                db.session.rollback()
                show_errors(form, error, default="content")
            else:
                db.session.commit()
                flash(_("已登记第 %(n)d 条服务记录", n=row.seq), "success")
                return redirect(url_for("agreements.list_records", agreement_id=agreement.id))
    elif request.args.get("corrects", type=int):
        form.corrects_id.data = request.args.get("corrects", type=int)
    return render_template("agreements/records.html", agreement=agreement, form=form, is_provider=is_provider,
                           rows=records.records_of(agreement), chain=records.verify_chain(agreement.id),
                           can_record=is_provider and agreement.status in records.RECORDABLE)


@bp.get("/<int:agreement_id>/attachments/<int:attachment_id>")
@login_required
def download_attachment(agreement_id: int, attachment_id: int):
    agreement = services.visible_agreement(agreement_id, current_user)
    attachment = db.session.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                                            Attachment.agreement_id == agreement.id))
    if attachment is None:
        abort(404)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)
