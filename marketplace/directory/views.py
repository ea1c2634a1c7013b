from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory import certificates, services
from marketplace.directory.forms import (
    AccountForm,
    CounselorEditForm,
    CounselorForm,
    FilterForm,
    LifecycleForm,
    OwnProfileForm,
    PurposeForm,
    ReviewForm,
)
from marketplace.directory.models import ChangeRequest, ChangeRequestStatus, Counselor, CounselorStatus
from marketplace.directory.search import (
    CounselorFilters,
    audit_identifier_search,
    counselor_query,
    identifier_search,
    list_rows,
    national_floor,
    public_counselor_query,
)
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import show_errors, submitted_version
from marketplace.jurisdiction import get_scoped_or_404, scoped
from marketplace.publiccache import public_page
from marketplace.regions.models import Level
from marketplace.timeutil import local_today

bp = Blueprint("directory", __name__, url_prefix="/directory")
public_bp = Blueprint("public_directory", __name__, url_prefix="/public")


FILTER_NAMES = ("q", "region_code", "specialty", "industry", "status", "work_mode", "source", "sort")


def filter_values(args) -> dict[str, str | None]:
    """The filter form's data from the query string, as `FilterForm(args)` has it (a field's first value, None
    when absent), without building the form."""
    return {name: args.get(name) for name in FILTER_NAMES}


def filters_from(values) -> CounselorFilters:
    """Filters from the filter form's data (`filter_values`, or a form's `data`); values that do not parse are
    ignored rather than refused."""
    def enum_or_none(enum_class, value):
        try:
            return enum_class(value) if value else None
        except ValueError:
            return None

    def flag_or_none(value):
        value = value or ""
        return int(value) if value.isdecimal() and len(value) < 10 else None

    from marketplace.directory.models import Source, WorkMode

    return CounselorFilters(
        q=values.get("q") or None, region_code=values.get("region_code") or None,
        specialty=flag_or_none(values.get("specialty")), industry=flag_or_none(values.get("industry")),
        status=enum_or_none(CounselorStatus, values.get("status")),
        work_mode=enum_or_none(WorkMode, values.get("work_mode")),
        source=enum_or_none(Source, values.get("source")), sort=values.get("sort") or "-updated_at")


@bp.get("/")
@login_required
def list_counselors():
    if current_user.role is Role.COUNSELOR:
        return redirect(url_for("directory.own_profile"))
    if not current_user.is_official:
        abort(403)
    values = filter_values(request.args)  # not validated: every filter is optional and filters_from ignores garbage
    root_code = current_user.department.region_code

    def filter_form() -> FilterForm:  # built only when the filter form's markup is not kept (templates/fragments)
        form = FilterForm(request.args)
        form.region_code.root_code = root_code
        return form

    filters = filters_from(values)
    query = list_rows(counselor_query(current_user, filters))
    # counted up to LIST_COUNT_CAP (an exact count of a national list read every row); "all that match" in a
    # bulk action is counted exactly on its confirmation page
    cap = current_app.config["LIST_COUNT_CAP"]
    page = db.paginate(query, per_page=20, error_out=False, count_cap=cap, rows=True,
                       count_floor=national_floor(current_user, filters, cap))
    if identifier_search(filters.q):
        audit_identifier_search(current_user, filters.q, page.total or 0)
        db.session.commit()
    from marketplace.directory.bulk import ACTIONS

    return render_template("directory/list.html", filter_form=filter_form, page=page,
                           filter_key=(root_code, *values.values()),
                           can_appoint=current_user.level in services.APPOINTING_LEVELS, bulk_actions=ACTIONS)


def _form_input(form: CounselorForm, stored: Counselor | None = None) -> services.CounselorInput:
    """The service's input; when editing, a blank ID number or phone keeps the stored (encrypted) value."""
    from marketplace import crypto
    from marketplace.directory.models import Education, PoliticalStatus, Source, WorkMode

    appointed_on = form.appointed_on.data
    id_number, phone = (form.id_number.data or "").strip(), (form.phone.data or "").strip()
    if stored is not None:
        id_number = id_number or crypto.decrypt(stored.id_number_cipher) or ""
        phone = phone or crypto.decrypt(stored.phone_cipher) or ""
    return services.CounselorInput(
        name=form.name.data or "", id_number=id_number, phone=phone,
        region_code=form.region_code.data or "", specialties=sum(int(v) for v in form.specialties.data or []),
        industries=sum(int(v) for v in form.industries.data or []), work_mode=WorkMode(form.work_mode.data),
        source=Source(form.source.data), appointed_on=appointed_on,
        term_end=services.default_term_end(appointed_on, int(form.term_years.data)) if appointed_on else None,
        political_status=PoliticalStatus(form.political_status.data) if form.political_status.data else None,
        education=Education(form.education.data) if form.education.data else None, title=form.title.data,
        employer=form.employer.data, position=form.position.data, is_remote=form.is_remote.data,
        capacity=form.capacity.data if form.capacity.data is not None else 5,
        service_area_codes=list(form.service_area_codes.data or []), township_code=form.township_code.data or None)


def _prepare(form: CounselorForm, department) -> None:
    from marketplace.regions.services import current_children

    form.region_code.root_code = department.region_code
    # The department's own region is a place too (the import accepts a county code): offered first.
    form.region_code.root_label = _("%(name)s（本级）", name=department.region.name)
    children = current_children(department.region_code)
    form.service_area_codes.choices = [(r.code, r.full_name) for r in [department.region, *children]]
    # A county department may record counselors appointed by its townships.
    form.township_code.choices = [("", _("本部门聘任"))] + [
        (r.code, _("%(name)s聘任（由县级录入）", name=r.name)) for r in children if r.level is Level.TOWNSHIP]




@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def appoint_counselor():
    try:
        department = services.appointing_department(current_user)
    except DomainError:
        abort(403)
    form = CounselorForm()
    _prepare(form, department)
    if request.method == "GET":
        form.appointed_on.data = local_today()
    if form.validate_on_submit():
        try:
            counselor = services.appoint_counselor(current_user, _form_input(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已聘任 %(name)s，证书编号 %(no)s", name=counselor.name, no=counselor.certificate_no), "success")
            if warning := services.appointment_warning(counselor):
                flash(warning, "warning")
            return redirect(url_for("directory.show_counselor", counselor_id=counselor.id))
    return render_template("directory/form.html", form=form, counselor=None)


@bp.get("/<int:counselor_id>")
@login_required
def show_counselor(counselor_id: int):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    return _render_record(counselor)


def _render_record(counselor: Counselor, revealed: dict | None = None):
    requests = db.session.scalars(scoped(ChangeRequest, current_user).where(
        ChangeRequest.counselor_id == counselor.id).order_by(ChangeRequest.id.desc()).limit(10)).all()
    return render_template(
        "directory/show.html", counselor=counselor, revealed=revealed or {}, requests=requests,
        can_edit=services.can_edit(current_user, counselor),
        can_view_personal=services.can_view_personal(current_user, counselor),
        can_print=counselor.status in certificates.PRINTABLE,
        actions=services.allowed_actions(counselor), lifecycle_form=LifecycleForm(), purpose_form=PurposeForm(),
        account_form=AccountForm())


@bp.route("/<int:counselor_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def edit_counselor(counselor_id: int):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    if not services.can_edit(current_user, counselor):
        abort(403)
    form = CounselorEditForm(obj=None if request.method == "POST" else _form_data(counselor))
    _prepare(form, counselor.department)
    if request.method != "POST":
        form.lock_version.data = counselor.lock_version
    if form.validate_on_submit():
        try:
            changes = services.update_counselor(current_user, counselor, _form_input(form, counselor),
                                                lock_version=submitted_version(form))
        except DomainError as error:
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("已保存 %(n)d 项修改", n=len(changes)) if changes else _("没有修改"), "success")
            return redirect(url_for("directory.show_counselor", counselor_id=counselor.id))
    return render_template("directory/form.html", form=form, counselor=counselor)


def _form_data(counselor: Counselor):
    """The record as form data. The ID number and phone are left blank (the page shows their masked values;
    typing a new one replaces them): an edit page never carries them in full."""
    from types import SimpleNamespace

    years = max(1, round((counselor.term_end - counselor.appointed_on).days / 365))
    return SimpleNamespace(
        name=counselor.name, id_number="", phone="",
        political_status=counselor.political_status.value if counselor.political_status else "",
        education=counselor.education.value if counselor.education else "", title=counselor.title,
        employer=counselor.employer, position=counselor.position, region_code=counselor.region_code,
        specialties=[str(int(f)) for f in _bits(counselor.specialties)],
        industries=[str(int(f)) for f in _bits(counselor.industries)], work_mode=counselor.work_mode.value,
        source=counselor.source.value, is_remote=counselor.is_remote, capacity=counselor.capacity,
        service_area_codes=[r.code for r in counselor.service_areas], appointed_on=counselor.appointed_on,
        township_code=counselor.township_code or "",
        term_years=str(min(years, 5)))


def _bits(value: int) -> list[int]:
    return [1 << i for i in range(8) if value & (1 << i)]


@bp.post("/<int:counselor_id>/actions/<action>")
@login_required
@roles_required(Role.OFFICIAL)
def change_status(counselor_id: int, action: str):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    if action not in services.TRANSITIONS or action == "expire":
        abort(404)
    form = LifecycleForm()
    form.validate_on_submit()
    try:
        services.transition(counselor, action, current_user, form.reason.data or "", form.term_end.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("状态已更新"), "success")
    return redirect(url_for("directory.show_counselor", counselor_id=counselor_id))


@bp.post("/<int:counselor_id>/reveal")
@login_required
def reveal_personal(counselor_id: int):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    form = PurposeForm()
    if not form.validate_on_submit():
        flash(_("查看完整信息须填写用途"), "danger")
        return redirect(url_for("directory.show_counselor", counselor_id=counselor.id))
    try:
        revealed = services.reveal_personal(current_user, counselor, form.reason.data)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("directory.show_counselor", counselor_id=counselor.id))
    db.session.commit()
    return _render_record(counselor, revealed)


@bp.post("/<int:counselor_id>/account")
@login_required
@roles_required(Role.OFFICIAL)
def create_login(counselor_id: int):
    """Issue a counselor account for this record and link it; shows the one-time password."""
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    form = AccountForm()
    if not form.validate_on_submit() or counselor.user_id is not None:
        flash(_("请填写用户名") if counselor.user_id is None else _("该辅导员已有账户"), "danger")
        return redirect(url_for("directory.show_counselor", counselor_id=counselor.id))
    try:
        if not services.can_edit(current_user, counselor):
            raise DomainError(_("只有聘任部门可以为辅导员创建账户"))
        from marketplace import crypto

        user, password = accounts.create_account(current_user, accounts.NewAccount(
            username=form.username.data.strip(), display_name=counselor.name, role=Role.COUNSELOR,
            region_code=counselor.region_code, phone=crypto.decrypt(counselor.phone_cipher)))
        services.link_account(current_user, counselor, user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("directory.show_counselor", counselor_id=counselor.id))
    db.session.commit()
    return render_template("accounts/issued.html", user=user, password=password)


@bp.route("/me", methods=["GET", "POST"])
@login_required
@roles_required(Role.COUNSELOR)
def own_profile():
    counselor = db.session.scalar(select(Counselor).where(Counselor.user_id == current_user.id))
    if counselor is None:
        return render_template("directory/no_record.html")
    form = OwnProfileForm(obj=None if request.method == "POST" else _own_data(counselor))
    if form.validate_on_submit():
        from marketplace.directory.models import Education, PoliticalStatus

        personal = {
            "phone": form.phone.data, "title": form.title.data or None, "employer": form.employer.data or None,
            "position": form.position.data or None,
            "political_status": PoliticalStatus(form.political_status.data) if form.political_status.data else None,
            "education": Education(form.education.data) if form.education.data else None,
        }
        requested = {"specialties": sum(int(v) for v in form.specialties.data or []),
                     "industries": sum(int(v) for v in form.industries.data or []),
                     "capacity": form.capacity.data, "is_remote": form.is_remote.data}
        try:
            change = services.update_own_profile(current_user, counselor, personal, requested, form.note.data or "")
        except DomainError as error:
            getattr(form, error.field or "phone").errors.append(error.message)
        else:
            db.session.commit()
            flash(_("个人信息已更新") + ("；" + _("专长等信息已提交聘任部门审核") if change else ""), "success")
            return redirect(url_for("directory.own_profile"))
    pending = db.session.scalars(select(ChangeRequest).where(
        ChangeRequest.counselor_id == counselor.id, ChangeRequest.status == ChangeRequestStatus.PENDING)).all()
    return render_template("directory/own.html", form=form, counselor=counselor, pending=pending,
                           can_print=counselor.status in certificates.PRINTABLE)


def _own_data(counselor: Counselor):
    from types import SimpleNamespace

    from marketplace import crypto

    return SimpleNamespace(
        phone=crypto.decrypt(counselor.phone_cipher), title=counselor.title, employer=counselor.employer,
        position=counselor.position,
        political_status=counselor.political_status.value if counselor.political_status else "",
        education=counselor.education.value if counselor.education else "",
        specialties=[str(b) for b in _bits(counselor.specialties)],
        industries=[str(b) for b in _bits(counselor.industries)], capacity=counselor.capacity,
        is_remote=counselor.is_remote, note="")


@bp.get("/requests")
@login_required
@roles_required(Role.OFFICIAL)
def list_requests():
    query = scoped(ChangeRequest, current_user).options(selectinload(ChangeRequest.counselor)).order_by(
        (ChangeRequest.status == ChangeRequestStatus.PENDING).desc(), ChangeRequest.id.desc())
    page = db.paginate(query, per_page=20, error_out=False)
    return render_template("directory/requests.html", page=page)


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@login_required
def review_request(request_id: int):
    change = get_scoped_or_404(ChangeRequest, request_id, current_user)
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            services.review_change_request(current_user, change, form.decision.data == "approve",
                                           form.note.data or "")
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("审核结果已保存"), "success")
            return redirect(url_for("directory.list_requests"))
    return render_template("directory/request.html", change=change, form=form,
                           can_review=services.can_edit(current_user, change.counselor))


@public_bp.get("/counselors")
@public_page
def public_directory():
    """The public directory: appointed counselors, public fields only."""
    from marketplace.regions.places import PublicDirectoryForm

    form = PublicDirectoryForm(request.args)
    form.validate()
    number = lambda value: int(value) if (value or "").isdigit() and len(value) < 10 else None  # noqa: E731
    query = public_counselor_query(CounselorFilters(q=form.q.data or None, region_code=form.place_code(),
                                                    specialty=number(form.specialty.data),
                                                    industry=number(form.industry.data), sort="name"))
    page = db.paginate(query, per_page=20, error_out=False, count_cap=current_app.config["PUBLIC_COUNT_CAP"])
    return render_template("directory/public.html", form=form, page=page)
