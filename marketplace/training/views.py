"""Training pages: the list, planning and editing, the enrolment list, attendance, completion certificates,
coverage of the jurisdiction, and the public verification of a completion certificate."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.directory.labels import SPECIALTY_LABELS
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.forms import EmptyForm, show_errors
from marketplace.training import certificates, services
from marketplace.training.forms import NumbersForm, ReasonForm, TrainingForm
from marketplace.training.labels import AUDIENCE_LABELS, MODE_LABELS, STATE_BADGES, STATE_LABELS
from marketplace.training.models import Training, TrainingState

bp = Blueprint("training", __name__, url_prefix="/training")
public_bp = Blueprint("training_verify", __name__, url_prefix="/verify/training")
PER_PAGE = 30
LABELS = {"modes": MODE_LABELS, "audiences": AUDIENCE_LABELS, "states": STATE_LABELS, "badges": STATE_BADGES}


def _training_or_404(training_id: int) -> Training:
    training = services.get_visible_or_none(current_user, training_id)
    if training is None:
        abort(404)
    return training


def _managed_or_403(training_id: int) -> Training:
    training = _training_or_404(training_id)
    if not services.can_manage(current_user, training):
        abort(403)
    return training


def _topic(training: Training) -> str:
    if training.topic_specialty:
        return str(SPECIALTY_LABELS.get(next((k for k in SPECIALTY_LABELS if int(k) == training.topic_specialty),
                                             None), training.topic or ""))
    return training.topic or ""


def _summary(counselor) -> dict:
    """A counselor's training history for their record: rows, hours per year, which trainings the reader
    may open."""
    return {"rows": services.history(counselor), "years": services.yearly_summary(counselor),
            "can_open": lambda training: services.get_visible_or_none(current_user, training.id) is not None}


@bp.app_context_processor
def inject() -> dict:
    return {"training_topic": _topic, "training_labels": LABELS, "training_summary": _summary}


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL, Role.COUNSELOR)
def list_trainings():
    year = request.args.get("year", "")
    state = request.args.get("state", "")
    query = services.visible_trainings(current_user)
    if year.isdigit():
        query = query.where(Training.starts_on.between(f"{year}-01-01", f"{year}-12-31"))
    if state in {s.value for s in TrainingState}:
        query = query.where(Training.state == TrainingState(state))
    page = db.paginate(query.order_by(Training.starts_on.desc(), Training.id.desc()), per_page=PER_PAGE,
                       error_out=False)
    counselor = services.counselor_of(current_user)
    enrolled = {e.training_id for e in services.history(counselor)} if counselor else set()
    return render_template("training/list.html", page=page, year=year, state=state, enrolled=enrolled,
                           can_plan=services.can_plan(current_user), labels=LABELS)


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def new_training():
    form = TrainingForm()
    if form.validate_on_submit():
        try:
            training = services.plan_training(current_user, form.to_input())
        except DomainError as error:
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("已安排培训“%(title)s”", title=training.title), "success")
            return redirect(url_for("training.show_training", training_id=training.id))
    return render_template("training/form.html", form=form, training=None)


@bp.get("/<int:training_id>")
@login_required
@roles_required(Role.OFFICIAL, Role.COUNSELOR)
def show_training(training_id: int):
    training = _training_or_404(training_id)
    counselor = services.counselor_of(current_user)
    mine = next((e for e in training.enrollments if counselor and e.counselor_id == counselor.id), None)
    return render_template("training/show.html", training=training, mine=mine, counselor=counselor,
                           can_manage=services.can_manage(current_user, training),
                           can_enroll=bool(counselor and mine is None and services.in_audience(training, counselor)
                                           and training.state is TrainingState.PLANNED),
                           actions=services.actions_for(current_user, training), numbers_form=NumbersForm(),
                           reason_form=ReasonForm(), button_form=EmptyForm(), labels=LABELS)


@bp.route("/<int:training_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def edit_training(training_id: int):
    training = _managed_or_403(training_id)
    if training.state is not TrainingState.PLANNED:
        flash(_("培训已结束或已取消，不能再修改"), "warning")
        return redirect(url_for("training.show_training", training_id=training.id))
    form = TrainingForm()
    if request.method == "GET":
        form.load(training)
    elif form.validate_on_submit():
        try:
            services.update_training(training, form.to_input(), current_user)
        except DomainError as error:
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return redirect(url_for("training.show_training", training_id=training.id))
    return render_template("training/form.html", form=form, training=training)


@bp.post("/<int:training_id>/actions/<action>")
@login_required
@roles_required(Role.OFFICIAL)
def act_on_training(training_id: int, action: str):
    training = _managed_or_403(training_id)
    if action not in services.TRANSITIONS:
        abort(404)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            services.transition(training, action, current_user, form.reason.data)
        except DomainError as error:
            flash(error.message, "warning")
        else:
            db.session.commit()
            flash(_("培训状态：%(state)s", state=STATE_LABELS[training.state]), "success")
    return redirect(url_for("training.show_training", training_id=training.id))


def _act(training: Training, work, done: str):
    if not EmptyForm().validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "warning")
        return redirect(url_for("training.show_training", training_id=training.id))
    try:
        work()
    except DomainError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("training.show_training", training_id=training.id))


@bp.post("/<int:training_id>/enroll")
@login_required
@roles_required(Role.COUNSELOR)
def enroll_self(training_id: int):
    training = _training_or_404(training_id)
    counselor = services.counselor_of(current_user)
    if counselor is None:
        abort(403)
    return _act(training, lambda: services.enroll(training, counselor, current_user), _("已报名"))


@bp.post("/<int:training_id>/withdraw")
@login_required
@roles_required(Role.COUNSELOR)
def withdraw_self(training_id: int):
    training = _training_or_404(training_id)
    counselor = services.counselor_of(current_user)
    mine = next((e for e in training.enrollments if counselor and e.counselor_id == counselor.id), None)
    if mine is None:  # already withdrawn (the same button pressed twice, or a stale page)
        flash(_("您未报名这次培训"), "info")
        return redirect(url_for("training.show_training", training_id=training.id))
    return _act(training, lambda: services.withdraw(mine, current_user), _("已取消报名"))


@bp.post("/<int:training_id>/enrollments")
@login_required
@roles_required(Role.OFFICIAL)
def add_enrollments(training_id: int):
    training = _managed_or_403(training_id)
    form = NumbersForm()
    if form.validate_on_submit():
        try:
            count = services.enroll_by_numbers(training, form.numbers.data, current_user)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("已为 %(n)d 名辅导员报名", n=count), "success")
    else:
        flash("；".join(str(e) for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for("training.show_training", training_id=training.id))


@bp.post("/<int:training_id>/enrollments/<int:enrollment_id>/remove")
@login_required
@roles_required(Role.OFFICIAL)
def remove_enrollment(training_id: int, enrollment_id: int):
    training = _managed_or_403(training_id)
    enrollment = next((e for e in training.enrollments if e.id == enrollment_id), None)
    if enrollment is None:  # already removed (the same button pressed twice, or a stale page)
        flash(_("该辅导员已不在名单中"), "info")
        return redirect(url_for("training.show_training", training_id=training.id))
    return _act(training, lambda: services.withdraw(enrollment, current_user), _("已移出名单"))


@bp.route("/<int:training_id>/attendance", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def record_attendance(training_id: int):
    training = _managed_or_403(training_id)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            marks = {e.id: (request.form.get(f"attended-{e.id}") == "1",
                            services.parse_hours(request.form.get(f"hours-{e.id}"), training))
                     for e in training.enrollments}
            changed = services.record_attendance(training, marks, current_user)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash(_("已登记出勤（%(n)d 人有变化）", n=changed), "success")
            return redirect(url_for("training.show_training", training_id=training.id))
    return render_template("training/attendance.html", training=training, form=form,
                           today=services.china_today(), labels=LABELS)


@bp.get("/<int:training_id>/enrollments/<int:enrollment_id>/certificate.pdf")
@login_required
@roles_required(Role.OFFICIAL, Role.COUNSELOR)
def download_certificate(training_id: int, enrollment_id: int):
    training = _training_or_404(training_id)
    enrollment = next((e for e in training.enrollments if e.id == enrollment_id), None)
    counselor = services.counselor_of(current_user)
    if enrollment is None or (not current_user.is_official and (counselor is None
                                                                  or enrollment.counselor_id != counselor.id)):
        abort(404)
    pdf = certificates.render(enrollment)  # a Conflict (not attended) becomes the error page
    return send_file(BytesIO(pdf), mimetype="application/pdf", download_name=certificates.download_name(enrollment))


@bp.get("/coverage")
@login_required
@roles_required(Role.OFFICIAL)
def show_coverage():
    today = services.china_today()
    year = request.args.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= today.year + 1 else today.year
    region_code = current_user.department.region_code
    wanted = request.args.get("region", "")
    from marketplace.jurisdiction import region_in_jurisdiction

    if wanted and region_in_jurisdiction(wanted, current_user):
        region_code = wanted
    rows = services.coverage(current_user, region_code, year)
    page = db.paginate(services.untrained(current_user, region_code, year), per_page=PER_PAGE, error_out=False)
    from marketplace.regions.models import Region

    return render_template("training/coverage.html", rows=rows, page=page, year=year,
                           region=db.session.get(Region, region_code),
                           root_code=current_user.department.region_code, years=range(today.year, today.year - 4, -1))


@public_bp.get("/<number>")
@limiter.limit(lambda: "60 per minute")
def verify_training(number: str):
    result = certificates.verify(number)
    return render_template("training/verify.html", result=result,
                           number=certificates.normalize_number(number)), (200 if result else 404)


