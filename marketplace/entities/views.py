"""Entity pages: the operator registers and edits; officials list and verify those in their jurisdiction."""

from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.entities import services
from marketplace.entities.forms import EntityFilterForm, EntityForm, PurposeForm, VerifyForm
from marketplace.entities.models import Entity, EntityType, ModelLevel, VerificationStatus
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_errors, submitted_version
from marketplace.jurisdiction import get_scoped_or_404

bp = Blueprint("entities", __name__, url_prefix="/entities")


@bp.app_context_processor
def _labels() -> dict:
    from marketplace.entities import labels as entity_labels

    return {"entity_labels": entity_labels}


def _enum_or_none(enum_class, value):
    try:
        return enum_class(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@login_required
def list_entities():
    if current_user.role is Role.OPERATOR:
        from marketplace.entities.claims import own_claims

        return render_template("entities/own.html", entities=services.own_entities(current_user),
                               claims=own_claims(current_user))
    if not current_user.is_official:
        abort(403)
    form = EntityFilterForm(request.args)
    form.region_code.root_code = current_user.department.region_code
    form.validate()
    filters = services.EntityFilters(
        q=form.q.data or None, type=_enum_or_none(EntityType, form.type.data),
        status=_enum_or_none(VerificationStatus, form.status.data), region_code=form.region_code.data or None,
        industry=int(form.industry.data) if (form.industry.data or "").isdigit() else None)
    page = db.paginate(services.entity_query(current_user, filters), per_page=20, error_out=False)
    from marketplace.entities.imports import IMPORTING_LEVELS

    return render_template("entities/list.html", form=form, page=page,
                           can_import=current_user.level in IMPORTING_LEVELS)


def entity_input(form: EntityForm) -> services.EntityInput:
    return services.EntityInput(
        type=_enum_or_none(EntityType, form.type.data), name=form.name.data or "",
        credit_code=form.credit_code.data or "", legal_representative=form.legal_representative.data or "",
        contact_phone=form.contact_phone.data or "", region_code=form.region_code.data or "",
        address=form.address.data, industries=sum(int(v) for v in form.industries.data or []),
        members=form.members.data, area_mu=form.area_mu.data, livestock_head=form.livestock_head.data,
        model_level=_enum_or_none(ModelLevel, form.model_level.data) or ModelLevel.NONE,
        founded_year=form.founded_year.data)




@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OPERATOR)
def register_entity():
    from marketplace.entities.claims import Claimable

    form = EntityForm()
    claim_url = None
    if request.method == "GET":
        form.region_code.data = current_user.region_code
    if form.validate_on_submit():
        try:
            entity = services.register_entity(current_user, entity_input(form))
        except Claimable as error:
            lookup = ({"credit_code": error.entity.credit_code} if error.entity.credit_code
                      else {"name": error.entity.name, "region_code": error.entity.region_code})
            claim_url = url_for("entities.new_claim", **lookup)
            show_errors(form, error)
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已登记“%(name)s”，等待所在县农业农村部门核实；现在即可发布需求。", name=entity.name), "success")
            return redirect(url_for("entities.show_entity", entity_id=entity.id))
    return render_template("entities/form.html", form=form, entity=None, claim_url=claim_url)


@bp.get("/<int:entity_id>")
@login_required
def show_entity(entity_id: int):
    return _render_show(get_scoped_or_404(Entity, entity_id, current_user))


def _render_show(entity: Entity, revealed_phone: str | None = None):
    from marketplace.needs.services import needs_of_entity

    return render_template("entities/show.html", entity=entity, needs=needs_of_entity(entity),
                           can_edit=services.can_edit(current_user, entity),
                           phone=revealed_phone or services.contact_phone_for(current_user, entity),
                           revealed=revealed_phone is not None, purpose_form=PurposeForm(),
                           can_verify=services.can_verify(current_user, entity), verify_form=VerifyForm())


@bp.post("/<int:entity_id>/reveal")
@login_required
@roles_required(Role.OFFICIAL)
def reveal_contact(entity_id: int):
    entity = get_scoped_or_404(Entity, entity_id, current_user)
    form = PurposeForm()
    if not form.validate_on_submit():
        flash(_("查看完整联系电话须填写用途"), "danger")
        return redirect(url_for("entities.show_entity", entity_id=entity.id))
    try:
        phone = services.reveal_contact(current_user, entity, form.purpose.data)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("entities.show_entity", entity_id=entity.id))
    db.session.commit()
    return _render_show(entity, phone)


def _form_data(entity: Entity) -> SimpleNamespace:
    return SimpleNamespace(
        type=entity.type.value, name=entity.name, credit_code=entity.credit_code or "",
        legal_representative=entity.legal_representative, contact_phone=entity.contact_phone,
        region_code=entity.region_code, address=entity.address,
        industries=[str(1 << i) for i in range(8) if entity.industries & (1 << i)], members=entity.members,
        area_mu=entity.area_mu, livestock_head=entity.livestock_head, model_level=entity.model_level.value,
        founded_year=entity.founded_year)


@bp.route("/<int:entity_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.OPERATOR)
def edit_entity(entity_id: int):
    entity = get_scoped_or_404(Entity, entity_id, current_user)
    if not services.can_edit(current_user, entity):
        abort(403)
    form = EntityForm(obj=None if request.method == "POST" else _form_data(entity))
    if request.method != "POST":
        form.lock_version.data = entity.lock_version
    if form.validate_on_submit():
        try:
            changed = services.update_entity(current_user, entity, entity_input(form),
                                             lock_version=submitted_version(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已保存修改，等待重新核实") if "verification_status" in changed
                  else _("已保存") if changed else _("没有修改"), "success")
            return redirect(url_for("entities.show_entity", entity_id=entity.id))
    return render_template("entities/form.html", form=form, entity=entity)


@bp.post("/<int:entity_id>/verify")
@login_required
@roles_required(Role.OFFICIAL)
def verify_entity(entity_id: int):
    entity = get_scoped_or_404(Entity, entity_id, current_user)
    form = VerifyForm()
    form.validate_on_submit()
    try:
        services.verify_entity(current_user, entity, form.decision.data == "verify", form.note.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("核实结果已保存，并已通知登记人"), "success")
    return redirect(url_for("entities.show_entity", entity_id=entity_id))
