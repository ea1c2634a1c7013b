"""Claim pages on the entities blueprint: the operator looks up and claims a department-held entity; officials of
the county or above review the claims in their jurisdiction (services in claims.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.entities import claims
from marketplace.entities.forms import ClaimFilterForm, ClaimForm, RejectClaimForm
from marketplace.entities.models import ClaimStatus, EntityClaim
from marketplace.entities.views import _enum_or_none, bp
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm, show_errors
from marketplace.jurisdiction import get_scoped_or_404


def _lookup(form: ClaimForm) -> claims.Lookup:
    return claims.Lookup(credit_code=form.credit_code.data or "", name=form.name.data or "",
                         region_code=form.region_code.data or "")


@bp.route("/claims/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OPERATOR)
def new_claim():
    form = ClaimForm() if request.method == "POST" else ClaimForm(formdata=request.args)
    lookup, match = _lookup(form), None
    if request.method == "POST" and form.validate_on_submit():
        proof = claims.Proof(form.legal_representative.data or "", form.contact_phone.data or "",
                             form.note.data or "")
        try:
            claim = claims.submit_claim(current_user, lookup, proof)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error, default="credit_code")
        else:
            db.session.commit()
            flash(_("已提交对“%(name)s”的认领申请，等待所在县农业农村部门审核", name=claim.entity.name), "success")
            return redirect(url_for("entities.list_entities"))
    if lookup.credit_code.strip() or lookup.name.strip():
        try:
            match = claims.claimable_entity(lookup)
        except DomainError as error:
            if not form.errors:
                show_errors(form, error, default="credit_code")
    return render_template("entities/claim_form.html", form=form, match=match)


@bp.get("/claims")
@login_required
@roles_required(Role.OFFICIAL)
def list_claims():
    form = ClaimFilterForm(request.args)
    form.region_code.root_code = current_user.department.region_code
    if "status" not in request.args:
        form.status.data = ClaimStatus.PENDING.value
    form.validate()
    filters = claims.ClaimFilters(status=_enum_or_none(ClaimStatus, form.status.data),
                                  region_code=form.region_code.data or None, q=form.q.data or None)
    page = db.paginate(claims.claim_query(current_user, filters), per_page=20, error_out=False)
    return render_template("entities/claims.html", form=form, page=page, hints=claims.proof_hints)


@bp.get("/claims/<int:claim_id>")
@login_required
def show_claim(claim_id: int):
    claim = get_scoped_or_404(EntityClaim, claim_id, current_user)
    reviewer = current_user.is_official
    return render_template("entities/claim.html", claim=claim, reviewer=reviewer,
                           hints=claims.proof_hints(claim) if reviewer else None,
                           actions=claims.allowed_actions(current_user, claim),
                           form=EmptyForm(), reject_form=RejectClaimForm())


def _decide(claim_id: int, action: str, reason: str = ""):
    claim = get_scoped_or_404(EntityClaim, claim_id, current_user)
    if action == "withdraw" and current_user.id != claim.claimant_id:
        abort(403)
    if action != "withdraw" and not claims.can_review(current_user, claim):
        abort(403)
    try:
        claims.transition(claim, action, current_user, reason)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash({"approve": _("已通过认领申请，主体已移交申请人，并已通知申请人"),
               "reject": _("已驳回认领申请，并已通知申请人"),
               "withdraw": _("已撤回认领申请")}[action], "success")
    if action == "withdraw":
        return redirect(url_for("entities.list_entities"))
    return redirect(url_for("entities.show_claim", claim_id=claim_id))


@bp.post("/claims/<int:claim_id>/approve")
@login_required
@roles_required(Role.OFFICIAL)
def approve_claim(claim_id: int):
    EmptyForm().validate_on_submit()
    return _decide(claim_id, "approve")


@bp.post("/claims/<int:claim_id>/reject")
@login_required
@roles_required(Role.OFFICIAL)
def reject_claim(claim_id: int):
    form = RejectClaimForm()
    form.validate_on_submit()
    return _decide(claim_id, "reject", form.reason.data or "")


@bp.post("/claims/<int:claim_id>/withdraw")
@login_required
@roles_required(Role.OPERATOR)
def withdraw_claim(claim_id: int):
    EmptyForm().validate_on_submit()
    return _decide(claim_id, "withdraw")
