from __future__ import annotations

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.centers import services, uploads
from marketplace.centers.forms import (
    ActionForm,
    CenterFilterForm,
    CenterForm,
    DocumentForm,
    OfferingForm,
)
from marketplace.centers.models import (
    CenterDocument,
    CenterStatus,
    DocumentKind,
    Establishment,
    Offering,
    OperatorType,
    ServiceCenter,
    SetupMode,
)
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm, show_errors, submitted_version
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.publiccache import public_page
from marketplace.regions.models import Region

bp = Blueprint("centers", __name__, url_prefix="/centers")
public_bp = Blueprint("catalogue", __name__, url_prefix="/catalogue")


def _int_or_none(value: str | None) -> int | None:
    return int(value) if (value or "").isdigit() and len(value) < 10 else None


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL, Role.CENTER_STAFF)
def list_centers():
    form = CenterFilterForm(request.args)
    if current_user.is_official:
        form.region_code.root_code = current_user.department.region_code
    form.validate()
    try:
        status = CenterStatus(form.status.data) if form.status.data else None
    except ValueError:
        status = None
    filters = services.CenterFilters(q=form.q.data or None, status=status, region_code=form.region_code.data or None,
                                     category=_int_or_none(form.category.data))
    page = db.paginate(services.center_query(current_user, filters), per_page=20, error_out=False)
    return render_template("centers/list.html", form=form, page=page)


def _form_input(form: CenterForm) -> services.CenterInput:
    return services.CenterInput(
        name=form.name.data or "", operator_type=OperatorType(form.operator_type.data),
        operator_name=form.operator_name.data or "", operator_credit_code=form.operator_credit_code.data or "",
        setup_mode=SetupMode(form.setup_mode.data), establishment=Establishment(form.establishment.data),
        address=form.address.data or "", region_code=form.region_code.data or "",
        service_area_codes=list(form.service_area_codes.data or []),
        categories=sum(int(v) for v in form.categories.data or []),
        staff_count=form.staff_count.data or 0, opening_hours=form.opening_hours.data,
        contact_phone=form.contact_phone.data)


def _prepare(form: CenterForm) -> None:
    """Service areas: the staff's county and its townships (a center serves where it is)."""
    from marketplace.regions.services import current_children

    county_code = current_user.region_code[:6]
    county = db.session.get(Region, county_code)
    areas = [county, *current_children(county_code)] if county else []
    form.service_area_codes.choices = [(r.code, r.full_name) for r in areas]
    form.region_code.root_code = county.parent_code if county and county.parent_code else "000000"




@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.CENTER_STAFF)
def register_center():
    form = CenterForm()
    _prepare(form)
    if request.method == "GET":
        form.region_code.data = current_user.region_code
    if form.validate_on_submit():
        try:
            center = services.register_center(current_user, _form_input(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已登记服务中心，请上传制度文件后提交备案"), "success")
            return redirect(url_for("centers.show_center", center_id=center.id))
    return render_template("centers/form.html", form=form, center=None)


@bp.get("/<int:center_id>")
@login_required
def show_center(center_id: int):
    center = get_scoped_or_404(ServiceCenter, center_id, current_user)
    return render_template(
        "centers/show.html", center=center, actions=services.allowed_actions(current_user, center),
        can_edit=services.can_edit(current_user, center), is_owner=services.is_owner(current_user, center),
        can_manage=services.can_manage_offerings(current_user, center),
        latest=services.latest_documents(center), missing=services.missing_documents(center),
        action_form=ActionForm(), document_form=DocumentForm(), empty_form=EmptyForm(),
        upload_mb=uploads.max_bytes() // (1024 * 1024),
        offerings=db.session.scalars(select(Offering).where(Offering.center_id == center.id)
                                     .order_by(Offering.is_active.desc(), Offering.id)).all())


@bp.route("/<int:center_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.CENTER_STAFF)
def edit_center(center_id: int):
    center = get_scoped_or_404(ServiceCenter, center_id, current_user)
    if not services.can_edit(current_user, center):
        flash(_("只有草稿或退回修改的服务中心可以修改"), "warning")
        return redirect(url_for("centers.show_center", center_id=center.id))
    form = CenterForm(obj=None if request.method == "POST" else _center_data(center))
    _prepare(form)
    if request.method != "POST":
        form.lock_version.data = center.lock_version
    if form.validate_on_submit():
        try:
            changed = services.update_center(current_user, center, _form_input(form),
                                             lock_version=submitted_version(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已保存 %(n)d 项修改", n=len(changed)) if changed else _("没有修改"), "success")
            return redirect(url_for("centers.show_center", center_id=center.id))
    return render_template("centers/form.html", form=form, center=center)


def _center_data(center: ServiceCenter) -> SimpleNamespace:
    return SimpleNamespace(
        name=center.name, operator_type=center.operator_type.value, operator_name=center.operator_name,
        operator_credit_code=center.operator_credit_code, setup_mode=center.setup_mode.value,
        establishment=center.establishment.value, region_code=center.region_code, address=center.address,
        service_area_codes=[r.code for r in center.service_areas],
        categories=[str(1 << i) for i in range(8) if center.categories & (1 << i)],
        staff_count=center.staff_count, opening_hours=center.opening_hours, contact_phone=center.contact_phone)


@bp.post("/<int:center_id>/documents")
@login_required
@roles_required(Role.CENTER_STAFF)
def upload_document(center_id: int):
    center = get_scoped_or_404(ServiceCenter, center_id, current_user)
    form = DocumentForm()
    if not form.validate_on_submit():
        flash(next(iter(form.file.errors or form.kind.errors), _("请选择要上传的文件")), "danger")
        return redirect(url_for("centers.show_center", center_id=center.id))
    try:
        services.add_document(current_user, center, DocumentKind(form.kind.data), form.file.data.stream,
                              form.file.data.filename)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("文件已上传"), "success")
    return redirect(url_for("centers.show_center", center_id=center.id))


@bp.get("/<int:center_id>/documents/<int:document_id>")
@login_required
def download_document(center_id: int, document_id: int):
    center = get_scoped_or_404(ServiceCenter, center_id, current_user)
    document = db.session.get(CenterDocument, document_id)
    if document is None or document.center_id != center.id:
        abort(404)
    return uploads.send(document.stored_name, document.content_type, document.original_name)


@bp.post("/<int:center_id>/actions/<action>")
@login_required
def change_status(center_id: int, action: str):
    center = get_scoped_or_404(ServiceCenter, center_id, current_user)
    if action not in services.TRANSITIONS:
        abort(404)
    form = ActionForm()
    form.validate_on_submit()
    try:
        services.transition(center, action, current_user, form.reason.data or "", form.deadline.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已%(action)s", action=services.event_label(action)), "success")
    return redirect(url_for("centers.show_center", center_id=center_id))


# --- offerings ------------------------------------------------------------------------------------------------

def _offering_input(form: OfferingForm) -> services.OfferingInput:
    return services.OfferingInput(
        name=form.name.data or "", category=int(form.category.data), unit=form.unit.data or "",
        price_min=form.price_min.data, price_max=form.price_max.data, description=form.description.data,
        service_standard=form.service_standard.data, delivery_days=form.delivery_days.data)


def _owned_center(center_id: int) -> ServiceCenter:
    center = get_scoped_or_404(ServiceCenter, center_id, current_user)
    if not services.is_owner(current_user, center):
        abort(403)
    return center


@bp.route("/<int:center_id>/offerings/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.CENTER_STAFF)
def add_offering(center_id: int):
    center = _owned_center(center_id)
    form = OfferingForm()
    if form.validate_on_submit():
        try:
            services.add_offering(current_user, center, _offering_input(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已添加服务项目"), "success")
            return redirect(url_for("centers.show_center", center_id=center.id))
    return render_template("centers/offering_form.html", form=form, center=center, offering=None)


def _offering(center: ServiceCenter, offering_id: int) -> Offering:
    offering = db.session.get(Offering, offering_id)
    if offering is None or offering.center_id != center.id:
        abort(404)
    return offering


@bp.route("/<int:center_id>/offerings/<int:offering_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.CENTER_STAFF)
def edit_offering(center_id: int, offering_id: int):
    center = _owned_center(center_id)
    offering = _offering(center, offering_id)
    form = OfferingForm(obj=None if request.method == "POST" else SimpleNamespace(
        name=offering.name, category=str(offering.category), description=offering.description, unit=offering.unit,
        price_min=offering.price_min, price_max=offering.price_max, service_standard=offering.service_standard,
        delivery_days=offering.delivery_days))
    if request.method != "POST":
        form.lock_version.data = offering.lock_version
    if form.validate_on_submit():
        try:
            changed = services.update_offering(current_user, offering, _offering_input(form),
                                               lock_version=submitted_version(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已保存服务项目") if changed else _("没有修改"), "success")
            return redirect(url_for("centers.show_center", center_id=center.id))
    return render_template("centers/offering_form.html", form=form, center=center, offering=offering)


@bp.post("/<int:center_id>/offerings/<int:offering_id>/deactivate")
@login_required
@roles_required(Role.CENTER_STAFF)
def deactivate_offering(center_id: int, offering_id: int):
    return _set_active(center_id, offering_id, False)


@bp.post("/<int:center_id>/offerings/<int:offering_id>/activate")
@login_required
@roles_required(Role.CENTER_STAFF)
def activate_offering(center_id: int, offering_id: int):
    return _set_active(center_id, offering_id, True)


def _set_active(center_id: int, offering_id: int, active: bool):
    center = _owned_center(center_id)
    offering = _offering(center, offering_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.set_offering_active(current_user, offering, active)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("服务项目已上架") if active else _("服务项目已下架"), "success")
    return redirect(url_for("centers.show_center", center_id=center.id))


# --- the public catalogue -------------------------------------------------------------------------------------

@public_bp.get("/")
@public_page
def show_catalogue():
    """Filed centers and their active offerings with prices (价格公开); no sign-in needed."""
    from marketplace.regions.places import PublicCatalogueForm

    form = PublicCatalogueForm(request.args)
    form.validate()
    query = services.catalogue_query(form.place_code(), _int_or_none(form.category.data))
    page = db.paginate(query, per_page=20, error_out=False)
    return render_template("centers/catalogue.html", form=form, page=page)


@public_bp.get("/<int:center_id>")
def show_public_center(center_id: int):
    center = services.public_center_or_404(center_id)
    return render_template("centers/public.html", center=center)



@bp.app_context_processor
def inject_labels() -> dict:
    from marketplace.centers import labels

    return {"center_labels": labels}
