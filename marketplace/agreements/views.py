"""Agreement pages: the list (officials: oversight with figures and export; parties: their own), drafting
from an accepted invitation or an offering, editing, the action buttons (propose, sign, start, submit, close,
terminate, cancel, dispute, mediate) and the PDF. Acceptance and service records are in record_views.py."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.agreements import lifecycle, oversight, pdf, records, services
from marketplace.agreements.content import content_hash
from marketplace.agreements.forms import (
    ActionForm,
    AgreementFilterForm,
    AgreementForm,
    OfferingAgreementForm,
    PurposeForm,
)
from marketplace.agreements.models import AgreementStatus, ProviderKind, ServiceMethod
from marketplace.auth.decorators import roles_required
from marketplace.centers.models import Offering
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_errors, submitted_version
from marketplace.jurisdiction import get_scoped_or_404, scoped
from marketplace.needs.models import Invitation, Need
from marketplace.timeutil import utcnow

bp = Blueprint("agreements", __name__, url_prefix="/agreements")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def _labels() -> dict:
    from marketplace.agreements import labels as agreement_labels
    from marketplace.agreements.content import quantity_text

    return {"agreement_labels": agreement_labels, "quantity_text": quantity_text,
            "agreements_of_need": _agreements_of_need}


def _agreements_of_need(need) -> dict:
    """For the need page's panel: the agreements the user sees, and the accepted invitation a new draft can
    be made from (the operator's "拟定协议" button)."""
    from marketplace.needs.models import InvitationStatus, NeedStatus

    rows = services.agreements_of_need(need, current_user)
    invitation = None
    if (current_user.id == need.owner_id and need.status is NeedStatus.ASSIGNED
            and not any(a.status in services.LIVE for a in rows)):
        invitation = next((i for i in need.invitations if i.status is InvitationStatus.ACCEPTED
                           and services.is_assignee(need, i)), None)
    return {"rows": rows, "invitation": invitation}


def _enum_or_none(enum_class, value):
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def filters_from(form: AgreementFilterForm) -> services.AgreementFilters:
    return services.AgreementFilters(
        q=form.q.data or None, status=_enum_or_none(AgreementStatus, form.status.data),
        region_code=form.region_code.data or None, provider_kind=_enum_or_none(ProviderKind, form.provider_kind.data),
        overdue=form.overdue.data if form.overdue.data in oversight.OVERDUE_KINDS else None)


def _filter_form() -> AgreementFilterForm:
    form = AgreementFilterForm(request.args)
    if current_user.is_official:
        form.region_code.root_code = current_user.department.region_code
    form.validate()
    return form


@bp.get("/")
@login_required
def list_agreements():
    form = _filter_form()
    query = services.agreement_query(current_user, filters_from(form))
    page = db.paginate(query, per_page=20, error_out=False)
    summary = oversight.summarize(query) if current_user.is_official else None
    return render_template("agreements/list.html", form=form, page=page, summary=summary,
                           record_counts=records.record_counts([a.id for a in page.items]))


@bp.get("/export.xlsx")
@login_required
@roles_required(Role.OFFICIAL)
def export_agreements():
    query = services.agreement_query(current_user, filters_from(_filter_form()))
    data = oversight.build_export(query)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"agreements-{utcnow():%Y%m%d}.xlsx")


@bp.post("/new/invitation/<int:invitation_id>")
@login_required
@roles_required(Role.OPERATOR)
def create_from_invitation(invitation_id: int):
    invitation = get_scoped_or_404(Invitation, invitation_id, current_user)
    try:
        agreement = services.create_from_invitation(current_user, invitation)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("needs.show_need", need_id=invitation.need_id))
    db.session.commit()
    flash(_("已按需求类别拟定协议草稿，请核对服务项目后提交对方签署"), "success")
    return redirect(url_for("agreements.edit_agreement", agreement_id=agreement.id))


@bp.route("/new/offering/<int:offering_id>", methods=["GET", "POST"])
@login_required
@roles_required(Role.OPERATOR)
def create_from_offering(offering_id: int):
    offering = db.get_or_404(Offering, offering_id)
    if not offering.is_active or not offering.center.is_public:
        abort(404)
    form = OfferingAgreementForm()
    needs = list(db.session.scalars(scoped(Need, current_user).where(
        Need.status.in_(services.OFFERING_NEED_STATUSES)).order_by(Need.id.desc())))
    form.need_id.choices = [(n.id, n.title) for n in needs]
    form.offering_id.data = offering.id
    if form.validate_on_submit():
        need = get_scoped_or_404(Need, form.need_id.data, current_user)
        try:
            agreement = services.create_from_offering(current_user, need, offering)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("已按服务项目拟定协议草稿"), "success")
            return redirect(url_for("agreements.edit_agreement", agreement_id=agreement.id))
    return render_template("agreements/from_offering.html", form=form, offering=offering, needs=needs)


@bp.get("/<int:agreement_id>")
@login_required
def show_agreement(agreement_id: int):
    agreement = services.visible_agreement(agreement_id, current_user)
    party = services.party_of(current_user, agreement)
    return render_template("agreements/show.html", agreement=agreement, party=party,
                           actions=lifecycle.allowed_actions(agreement, current_user),
                           review_actions=lifecycle.allowed_actions(agreement, current_user, lifecycle.REVIEW),
                           awaiting=lifecycle.awaiting_signature(agreement), action_form=ActionForm(),
                           purpose_form=PurposeForm(),
                           current_hash=content_hash(agreement), chain=records.verify_chain(agreement.id),
                           history=agreement.events, editable=agreement.status in services.EDITABLE,
                           item_files=records.item_attachments(agreement))


def _form_input(form: AgreementForm) -> services.AgreementInput:
    items = [services.ItemInput(
        name=(entry.form.name.data or "").strip(), method=_enum_or_none(ServiceMethod, entry.form.method.data)
        or ServiceMethod.OTHER, quantity=entry.form.quantity.data, unit=(entry.form.unit.data or "").strip(),
        unit_price=entry.form.unit_price.data, quality_standard=(entry.form.quality_standard.data or "").strip(),
        acceptance_criterion=(entry.form.acceptance_criterion.data or "").strip(), deadline=entry.form.deadline.data,
        offering_id=int(entry.form.offering_id.data) if (entry.form.offering_id.data or "").isdigit() else None)
        for entry in form.items if not entry.form.is_blank()]
    values = {name: getattr(form, name).data for name in services.HEADER}
    values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    return services.AgreementInput(**values, items=items)


def _prefill(agreement) -> AgreementForm:
    data = services.current_input(agreement)
    form = AgreementForm(obj=data)
    while len(form.items) < len(data.items) + 1:
        form.items.append_entry()
    for entry, item in zip(form.items, data.items, strict=False):
        entry.form.process(None, obj=item)
        entry.form.method.data = item.method.value
    return form


@bp.route("/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agreement(agreement_id: int):
    agreement = services.visible_agreement(agreement_id, current_user)
    if services.party_of(current_user, agreement) is None:
        abort(403)
    if agreement.status not in services.EDITABLE:
        flash(_("协议当前为“%(status)s”，不能修改", status=lifecycle.status_label(agreement.status)), "warning")
        return redirect(url_for("agreements.show_agreement", agreement_id=agreement.id))
    form = AgreementForm() if request.method == "POST" else _prefill(agreement)
    if request.method != "POST":
        form.lock_version.data = agreement.lock_version
    if form.validate_on_submit():
        try:
            changed = services.update_agreement(current_user, agreement, _form_input(form),
                                                lock_version=submitted_version(form))
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            if changed and lifecycle_voided(agreement):
                flash(_("协议已修改（第 %(v)d 版），原有签名已作废，请重新提交签署", v=agreement.version), "warning")
            else:
                flash(_("已保存") if changed else _("没有修改"), "success")
            return redirect(url_for("agreements.show_agreement", agreement_id=agreement.id))
    elif request.method == "POST":
        flash(_("请检查标红的内容"), "danger")
    return render_template("agreements/form.html", form=form, agreement=agreement)


def lifecycle_voided(agreement) -> bool:
    return any(s.voided_at is not None and s.version == agreement.version - 1 for s in agreement.signatures)


@bp.post("/<int:agreement_id>/actions/<action>")
@login_required
def change_agreement(agreement_id: int, action: str):
    agreement = services.visible_agreement(agreement_id, current_user)
    if action not in lifecycle.BUTTON_ACTIONS:
        abort(404)
    if services.party_of(current_user, agreement) is None and not (current_user.is_official and action == "mediate"):
        abort(403)
    form = ActionForm()
    form.validate_on_submit()
    try:
        run_action(agreement, action, form.reason.data or "", form.outcome.data or "", form.result.data or "",
                   form.content_hash.data or None)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(lifecycle.status_message(agreement), "success")
    return redirect(url_for("agreements.show_agreement", agreement_id=agreement_id))


# Each of the lifecycle's BUTTON_ACTIONS → its verb (a test checks that they are the same set).
VERBS = {
    "propose": lambda a, user, f: lifecycle.propose(a, user),
    "sign": lambda a, user, f: lifecycle.sign(a, user, request.remote_addr, request.user_agent.string,
                                              seen_hash=f["seen_hash"]),
    "start": lambda a, user, f: lifecycle.start(a, user),
    "submit": lambda a, user, f: lifecycle.submit(a, user, f["reason"]),
    "close": lambda a, user, f: lifecycle.close(a, user),
    "terminate": lambda a, user, f: lifecycle.terminate(a, user, f["reason"], f["outcome"]),
    "cancel": lambda a, user, f: lifecycle.cancel(a, user, f["reason"]),
    "dispute": lambda a, user, f: lifecycle.dispute(a, user, f["reason"]),
    "mediate": lambda a, user, f: lifecycle.mediate(a, user, f["result"], f["outcome"] or f["reason"]),
}


def run_action(agreement, action: str, reason: str, outcome: str, result: str, seen_hash: str | None):
    """One button (or API action) → one lifecycle verb."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    from marketplace.api import api_user

    user = api_user() or user
    fields = {"reason": reason, "outcome": outcome, "result": result, "seen_hash": seen_hash}
    return VERBS[action](agreement, user, fields)


@bp.get("/<int:agreement_id>/agreement.pdf")
@login_required
def download_pdf(agreement_id: int):
    """The parties' copy in full; officials above them read the phones masked."""
    agreement = services.visible_agreement(agreement_id, current_user)
    return send_file(io.BytesIO(pdf.render_for(agreement, current_user)), mimetype="application/pdf",
                     as_attachment=False, download_name=pdf.download_name(agreement))


@bp.post("/<int:agreement_id>/agreement-full.pdf")
@login_required
def download_full_pdf(agreement_id: int):
    """The PDF with full phones for an official who states a purpose (audited)."""
    agreement = services.visible_agreement(agreement_id, current_user)
    form = PurposeForm()
    if not form.validate_on_submit():
        flash(_("查看完整电话号码须填写用途"), "danger")
        return redirect(url_for("agreements.show_agreement", agreement_id=agreement.id))
    data = pdf.render_for(agreement, current_user, purpose=form.reason.data.strip())
    db.session.commit()  # the audit entry
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                     download_name=pdf.download_name(agreement))
