"""Need pages: the operator posts needs, sees ranked candidates and invites them; counselors answer in their
inbox; officials follow the needs of their jurisdiction."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.entities.labels import TYPE_LABELS as ENTITY_TYPE_LABELS
from marketplace.entities.models import Entity
from marketplace.entities.services import own_entities
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm, show_errors, submitted_version
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.needs import invitations, recommendations, services
from marketplace.needs.candidates import rank_candidates
from marketplace.needs.forms import AnswerForm, InviteForm, NeedActionForm, NeedFilterForm, NeedForm
from marketplace.needs.models import Invitation, InvitationStatus, NeedStatus, ServiceMode, Urgency
from marketplace.needs.progress import progress, progress_of_page
from marketplace.providers import services as provider_services
from marketplace.providers import threads
from marketplace.ranking.records import pool_freshness

bp = Blueprint("needs", __name__, url_prefix="/needs")


@bp.app_context_processor
def _labels() -> dict:
    from marketplace.needs import labels as need_labels

    return {"need_labels": need_labels}


def _enum_or_none(enum_class, value):
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


def _int_or_none(value) -> int | None:
    return int(value) if (value or "").isdigit() else None


@bp.get("/")
@login_required
def list_needs():
    if current_user.role is Role.COUNSELOR:
        return redirect(url_for("needs.show_inbox"))
    if current_user.role not in (Role.OFFICIAL, Role.OPERATOR):
        abort(403)
    form = NeedFilterForm(request.args)
    if current_user.is_official:
        form.region_code.root_code = current_user.department.region_code
    form.validate()
    filters = services.NeedFilters(
        q=form.q.data or None, status=_enum_or_none(NeedStatus, form.status.data),
        category=_int_or_none(form.category.data), industry=_int_or_none(form.industry.data),
        urgency=_enum_or_none(Urgency, form.urgency.data), region_code=form.region_code.data or None)
    page = db.paginate(services.need_query(current_user, filters), per_page=20, error_out=False)
    return render_template("needs/list.html", form=form, page=page, progress=progress_of_page(page.items))


def need_input(form: NeedForm) -> services.NeedInput:
    return services.NeedInput(
        entity_id=form.entity_id.data, category=_int_or_none(form.category.data) or 0,
        industry=_int_or_none(form.industry.data) or 0, title=form.title.data or "",
        description=form.description.data or "", region_code=form.region_code.data or None,
        urgency=_enum_or_none(Urgency, form.urgency.data) or Urgency.NORMAL,
        mode=_enum_or_none(ServiceMode, form.mode.data) or ServiceMode.ON_SITE, budget=form.budget.data,
        start_on=form.start_on.data, end_on=form.end_on.data)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OPERATOR)
def post_need():
    entities = own_entities(current_user)
    if not entities:
        flash(_("请先登记您的合作社或家庭农场"), "info")
        return redirect(url_for("entities.register_entity"))
    form = NeedForm()
    form.entity_id.choices = [(e.id, e.name) for e in entities]
    if request.method == "GET":
        chosen = request.args.get("entity_id", type=int)
        entity = next((e for e in entities if e.id == chosen), entities[0])
        form.entity_id.data, form.region_code.data = entity.id, entity.region_code
    if form.validate_on_submit():
        entity = get_scoped_or_404(Entity, form.entity_id.data, current_user)
        try:
            need = services.create_need(current_user, entity, need_input(form), publish=form.publish.data)
        except DomainError as error:
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("需求已发布，下面是推荐的候选人") if need.status is NeedStatus.OPEN else _("需求已保存为草稿"),
                  "success")
            return redirect(url_for("needs.show_need", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None)


@bp.get("/inbox")
@login_required
@roles_required(Role.COUNSELOR, Role.CENTER_STAFF)
def show_inbox():
    counselor = services.counselor_of(current_user)
    items = invitations.inbox(current_user)
    from marketplace.agreements.services import agreements_by_invitation

    agreements = agreements_by_invitation([i.id for i in items if i.status is InvitationStatus.ACCEPTED],
                                          current_user)
    providers, recommended = recommendations.recommend(current_user)
    # the counselor's open assignments, as the recommendations counted them (one count per view)
    open_count = next((p.open_count for p in providers if counselor is not None and p.kind == "counselor"
                       and p.id == counselor.id), 0)
    return render_template("needs/inbox.html", counselor=counselor, items=items, open_count=open_count,
                           answer_form=AnswerForm(), agreements=agreements, providers=providers,
                           recommended=recommended, shown_limit=recommendations.SHOWN,
                           questions=threads.threads_for_provider(current_user),
                           entity_types=ENTITY_TYPE_LABELS)


@bp.get("/<int:need_id>")
@login_required
def show_need(need_id: int):
    need = services.visible_need(need_id, current_user)
    is_owner = services.can_manage(current_user, need)
    show_candidates = (is_owner or current_user.is_official) and need.status is NeedStatus.OPEN
    candidates = rank_candidates(need, "all", limit=10, log_for=current_user) if show_candidates else []
    invitations = services.need_invitations(need)  # one read for the marks, the history and the progress line
    asked = {(kind, cid) for kind, cid in _asked(need, invitations)}
    own_invitation = None
    if current_user.role is Role.COUNSELOR:
        counselor = services.counselor_of(current_user)
        own_invitation = next((i for i in invitations if counselor and i.counselor_id == counselor.id), None)
    # a provider viewing a need only because it is recommended to them sees the need, not who else was asked
    recommended_only = current_user.role is Role.CENTER_STAFF or (
        current_user.role is Role.COUNSELOR and own_invitation is None
        and (counselor is None or need.assigned_counselor_id != counselor.id))
    interested = recommended_only and recommendations.has_expressed_interest(current_user, need)
    contact = services.contact_for(current_user, need)
    provider_contact = provider_services.provider_contact_for(current_user, need)
    # One commit, after rendering: the match log of what the operator was shown and the audit entries of the
    # contacts shown are stored before the page leaves (a failed commit shows an error page instead); a commit
    # in between would expire the need and the user, and the page would load them again.
    page = render_template("needs/show.html", need=need, is_owner=is_owner, candidates=candidates, asked=asked,
                           pool_freshness=pool_freshness() if show_candidates else None,
                           history=[] if recommended_only else services.load_history(need, invitations),
                           recommended_only=recommended_only,
                           interested=interested, actions=services.allowed_actions(need, current_user),
                           editable=is_owner and need.status in services.EDITABLE,
                           expires_at=services.expires_at(need), expired_at=services.expired_at(need),
                           open_days=services.need_open_days(), contact=contact,
                           own_contact=services.entity_contact(need) if is_owner else None,
                           answer_form=AnswerForm() if own_invitation is not None else None,
                           own_invitation=own_invitation, provider_contact=provider_contact,
                           progress=progress(need, invitations) if is_owner else None,
                           threads=threads.threads_of_need(need) if is_owner or current_user.is_official else [])
    db.session.commit()
    return page


def _asked(need, invitations=None):
    from marketplace.needs.candidates import asked

    return asked(need, invitations)


def _form_data(need) -> SimpleNamespace:
    return SimpleNamespace(
        entity_id=need.entity_id, category=str(need.category), industry=str(need.industry or ""),
        title=need.title, description=need.description, region_code=need.region_code,
        urgency=need.urgency.value, mode=need.mode.value, budget=need.budget, start_on=need.start_on,
        end_on=need.end_on, publish=need.status is not NeedStatus.DRAFT)


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.OPERATOR)
def edit_need(need_id: int):
    from marketplace.needs.models import Need

    need = get_scoped_or_404(Need, need_id, current_user)
    if not services.can_manage(current_user, need):
        abort(403)
    form = NeedForm(obj=None if request.method == "POST" else _form_data(need))
    form.entity_id.choices = [(need.entity_id, need.entity.name)]
    if request.method != "POST":
        form.lock_version.data = need.lock_version
    if form.validate_on_submit():
        try:
            changed = services.update_need(current_user, need, need_input(form), lock_version=submitted_version(form))
            if form.publish.data and need.status is NeedStatus.DRAFT:
                services.transition(need, "publish", current_user)
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("已保存") if changed else _("没有修改"), "success")
            return redirect(url_for("needs.show_need", need_id=need.id))
    return render_template("needs/form.html", form=form, need=need)


@bp.post("/<int:need_id>/actions/<action>")
@login_required
@roles_required(Role.OPERATOR)
def change_need_status(need_id: int, action: str):
    from marketplace.needs.models import Need

    need = get_scoped_or_404(Need, need_id, current_user)
    if action not in services.OWNER_ACTIONS:
        abort(404)
    if not services.can_manage(current_user, need):
        abort(403)
    form = NeedActionForm()
    form.validate_on_submit()
    try:
        services.transition(need, action, current_user, form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("需求状态已更新为“%(status)s”", status=services.status_label(need.status)), "success")
    return redirect(url_for("needs.show_need", need_id=need_id))


@bp.post("/<int:need_id>/invite")
@login_required
@roles_required(Role.OPERATOR)
def invite_candidate(need_id: int):
    from marketplace.needs.models import Need

    need = get_scoped_or_404(Need, need_id, current_user)
    form = InviteForm()
    if not form.validate_on_submit():
        flash(_("请选择要邀请的候选人"), "danger")
        return redirect(url_for("needs.show_need", need_id=need_id))
    try:
        invitation = invitations.invite(current_user, need, form.kind.data, form.candidate_id.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        contact = services.entity_contact(need)
        flash(_("已邀请 %(name)s，对方将在 %(hours)d 小时内答复；接受后对方将看到您的联系电话 %(phone)s",
                name=invitation.candidate_name, hours=int(invitations.timeout().total_seconds() // 3600),
                phone=contact.phone), "success")
    return redirect(url_for("needs.show_need", need_id=need_id))


@bp.post("/<int:need_id>/interest")
@login_required
@roles_required(Role.COUNSELOR, Role.CENTER_STAFF)
def express_interest(need_id: int):
    need = services.visible_need(need_id, current_user)
    if not EmptyForm().validate_on_submit():
        flash(_("页面已过期，请重试"), "danger")
        return redirect(url_for("needs.show_need", need_id=need_id))
    try:
        recommendations.express_interest(current_user, need)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已告知主体您有意承接此需求，请留意邀请消息"), "success")
    return redirect(url_for("needs.show_need", need_id=need_id))


@bp.post("/invitations/<int:invitation_id>/answer")
@login_required
@roles_required(Role.COUNSELOR, Role.CENTER_STAFF)
def answer_invitation(invitation_id: int):
    invitation = db.session.scalars(invitations.visible_invitations(current_user).where(
        Invitation.id == invitation_id)).first()
    if invitation is None:
        invitation = db.session.get(Invitation, invitation_id)
        if invitation is None or not invitations.can_answer(current_user, invitation):
            abort(404)
    form = AnswerForm()
    form.validate_on_submit()
    accept = form.decision.data == "accept"
    try:
        invitations.answer(current_user, invitation, accept, form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        if not accept:
            flash(_("已谢绝，需求将转给其他候选人"), "success")
            return redirect(url_for("needs.show_inbox"))
        flash(_("已接受。主体的联系方式见本页，请与主体联系商定服务协议"), "success")
        return redirect(url_for("needs.show_need", need_id=invitation.need_id))
    return redirect(url_for("needs.show_inbox"))

