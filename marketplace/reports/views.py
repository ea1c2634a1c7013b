"""Work report pages: the department's reports and those received from below, writing and submitting, the
reviewer's comments and decisions, typical cases with photos, attachments, the overview of the level below; and
the public 典型案例 pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm, show_errors
from marketplace.reports import photos, services
from marketplace.reports.forms import (
    AttachmentForm,
    CaseForm,
    CommentForm,
    OverviewForm,
    PhotoForm,
    ReasonForm,
    ReportForm,
)
from marketplace.reports.labels import KIND_LABELS, PERIODS, STATE_BADGES, STATE_LABELS, period_label
from marketplace.reports.models import PeriodKind, ReportState, TypicalCase, WorkReport

bp = Blueprint("reports", __name__, url_prefix="/reports")
public_bp = Blueprint("cases", __name__, url_prefix="/cases")
PER_PAGE = 30
LABELS = {"kinds": KIND_LABELS, "states": STATE_LABELS, "badges": STATE_BADGES}


@bp.app_context_processor
def inject() -> dict:
    return {"report_period": lambda r: period_label(r.period_kind, r.year, r.period_no), "report_labels": LABELS}


def _report_or_404(report_id: int) -> WorkReport:
    report = services.get_visible_or_none(current_user, report_id)
    if report is None:
        abort(404)
    return report


def _editable_or_403(report_id: int) -> WorkReport:
    report = _report_or_404(report_id)
    if not services.is_author(current_user, report):
        abort(403)
    return report


def _case_or_404(report: WorkReport, case_id: int) -> TypicalCase:
    case = next((c for c in report.cases if c.id == case_id), None)
    if case is None:
        abort(404)
    return case


def _back(report: WorkReport):
    return redirect(url_for("reports.show_report", report_id=report.id))


def _run(report: WorkReport, work, done: str, form=None):
    """A POST button: check the form, run the service, commit and flash; back to the report either way."""
    form = form or EmptyForm()
    if not form.validate_on_submit():
        flash("；".join(str(e) for errors in form.errors.values() for e in errors) or _("页面已过期，请刷新后重试"),
              "warning")
        return _back(report)
    try:
        work(form)
    except DomainError as error:
        flash(error.message, "warning")
    else:
        db.session.commit()
        flash(done, "success")
    return _back(report)


@bp.get("/")
@login_required
@roles_required(Role.OFFICIAL)
def list_reports():
    own = db.paginate(services.visible_reports(current_user)
                      .where(WorkReport.department_id == current_user.department_id)
                      .order_by(WorkReport.year.desc(), WorkReport.id.desc()), per_page=PER_PAGE, error_out=False)
    received = list(db.session.scalars(
        services.visible_reports(current_user).where(WorkReport.reviewer_department_id == current_user.department_id)
        .order_by(WorkReport.submitted_at.desc(), WorkReport.id.desc()).limit(100)))
    return render_template("reports/list.html", own=own, received=received, labels=LABELS,
                           can_write=services.can_write(current_user),
                           can_overview=services.can_read_overview(current_user))


@bp.route("/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def new_report():
    if not services.can_write(current_user):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            report = services.create_report(current_user, form.to_input())
        except DomainError as error:
            show_errors(form, error, default="year")
        else:
            db.session.commit()
            flash(_("已创建工作报告草稿"), "success")
            return _back(report)
    return render_template("reports/form.html", form=form, report=None)


@bp.get("/<int:report_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_report(report_id: int):
    report = _report_or_404(report_id)
    frozen = report.figures is not None and report.state is not ReportState.RETURNED
    values = report.figures if frozen else services.figures(report.region_code, report.period_kind, report.year,
                                                             report.period_no)
    return render_template(
        "reports/show.html", report=report, figures=services.figure_rows(values), frozen=frozen,
        due=services.due_on(report.period_kind, report.year, report.period_no),
        can_edit=services.can_edit(current_user, report), can_comment=services.can_comment(current_user, report),
        can_publish=lambda case: services.can_publish(current_user, case),
        actions=services.actions_for(current_user, report), reason_form=ReasonForm(), comment_form=CommentForm(),
        photo_form=PhotoForm(), attachment_form=AttachmentForm(), button_form=EmptyForm(), labels=LABELS)


@bp.route("/<int:report_id>/edit", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def edit_report(report_id: int):
    report = _editable_or_403(report_id)
    if not services.can_edit(current_user, report):
        flash(_("报告已报送，不能再修改"), "warning")
        return _back(report)
    form = ReportForm()
    if request.method == "GET":
        form.load(report)
    elif form.validate_on_submit():
        try:
            services.update_report(report, form.to_input(), current_user)
        except DomainError as error:
            show_errors(form, error, default="practices")
        else:
            db.session.commit()
            flash(_("已保存"), "success")
            return _back(report)
    return render_template("reports/form.html", form=form, report=report)


@bp.post("/<int:report_id>/actions/<action>")
@login_required
@roles_required(Role.OFFICIAL)
def act_on_report(report_id: int, action: str):
    report = _report_or_404(report_id)
    if action not in services.TRANSITIONS:
        abort(404)
    party = services.TRANSITIONS[action][5]
    if not (services.is_author if party == "author" else services.is_reviewer)(current_user, report):
        abort(403)
    return _run(report, lambda form: services.transition(report, action, current_user, form.reason.data),
                _("报告状态：%(s)s", s=STATE_LABELS[services.TRANSITIONS[action][1]]), ReasonForm())


@bp.post("/<int:report_id>/comments")
@login_required
@roles_required(Role.OFFICIAL)
def add_comment(report_id: int):
    report = _report_or_404(report_id)
    if not services.can_comment(current_user, report):
        abort(403)
    return _run(report, lambda form: services.comment(report, form.body.data, current_user), _("已留言"),
                CommentForm())


@bp.route("/<int:report_id>/cases/new", methods=["GET", "POST"])
@login_required
@roles_required(Role.OFFICIAL)
def new_case(report_id: int):
    report = _editable_or_403(report_id)
    if not services.can_edit(current_user, report):
        flash(_("报告已报送，不能再修改"), "warning")
        return _back(report)
    agreements = services.case_agreements(report, current_user)
    form = CaseForm()
    form.agreement_id.choices = [("", _("请选择"))] + [
        (str(a.id), f"{a.number} {a.title}") for a in agreements]
    if form.validate_on_submit():
        try:
            chosen = int(form.agreement_id.data) if (form.agreement_id.data or "").isdigit() else 0
            services.add_case(report, chosen, form.title.data, form.body.data, current_user)
        except DomainError as error:
            show_errors(form, error, default="title")
        else:
            db.session.commit()
            flash(_("已添加典型案例"), "success")
            return _back(report)
    return render_template("reports/case_form.html", form=form, report=report, has_agreements=bool(agreements))


@bp.post("/<int:report_id>/cases/<int:case_id>/remove")
@login_required
@roles_required(Role.OFFICIAL)
def remove_case(report_id: int, case_id: int):
    report = _editable_or_403(report_id)
    case = next((c for c in report.cases if c.id == case_id), None)
    if case is None:  # already removed (pressed twice, or a stale page)
        flash(_("该案例已删除"), "info")
        return _back(report)
    return _run(report, lambda form: services.remove_case(case, current_user), _("已删除典型案例"))


@bp.post("/<int:report_id>/cases/<int:case_id>/photos")
@login_required
@roles_required(Role.OFFICIAL)
def add_photo(report_id: int, case_id: int):
    report = _editable_or_403(report_id)
    case = _case_or_404(report, case_id)
    return _run(report, lambda form: services.add_photo(case, form.photo.data or _Empty(), form.caption.data,
                                                        current_user), _("已添加照片"), PhotoForm())


class _Empty:
    """No file chosen: reads as empty, so the service refuses it with its own message."""

    def read(self, *_args) -> bytes:
        return b""


@bp.post("/<int:report_id>/cases/<int:case_id>/photos/<int:photo_id>/remove")
@login_required
@roles_required(Role.OFFICIAL)
def remove_photo(report_id: int, case_id: int, photo_id: int):
    report = _editable_or_403(report_id)
    case = _case_or_404(report, case_id)
    photo = next((p for p in case.photos if p.id == photo_id), None)
    if photo is None:
        flash(_("该照片已删除"), "info")
        return _back(report)
    return _run(report, lambda form: services.remove_photo(photo, current_user), _("已删除照片"))


@bp.get("/<int:report_id>/cases/<int:case_id>/photos/<int:photo_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_photo(report_id: int, case_id: int, photo_id: int):
    case = _case_or_404(_report_or_404(report_id), case_id)
    photo = next((p for p in case.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return photos.send(photo.stored_name)


@bp.post("/<int:report_id>/cases/<int:case_id>/publish")
@login_required
@roles_required(Role.OFFICIAL)
def publish_case(report_id: int, case_id: int):
    return _set_published(report_id, case_id, True, _("已在“典型案例”页面发布"))


@bp.post("/<int:report_id>/cases/<int:case_id>/unpublish")
@login_required
@roles_required(Role.OFFICIAL)
def unpublish_case(report_id: int, case_id: int):
    return _set_published(report_id, case_id, False, _("已撤下该典型案例"))


def _set_published(report_id: int, case_id: int, published: bool, done: str):
    report = _report_or_404(report_id)
    case = _case_or_404(report, case_id)
    if not services.can_publish(current_user, case):
        abort(403)
    return _run(report, lambda form: services.set_published(case, published, current_user), done)


@bp.post("/<int:report_id>/attachments")
@login_required
@roles_required(Role.OFFICIAL)
def add_attachment(report_id: int):
    report = _editable_or_403(report_id)
    return _run(report, lambda form: services.add_attachment(
        report, form.file.data or _Empty(), getattr(form.file.data, "filename", None), current_user),
        _("已添加附件"), AttachmentForm())


@bp.get("/<int:report_id>/attachments/<int:attachment_id>")
@login_required
@roles_required(Role.OFFICIAL)
def download_attachment(report_id: int, attachment_id: int):
    from marketplace.centers import uploads

    report = _report_or_404(report_id)
    attachment = next((a for a in report.attachments if a.id == attachment_id), None)
    if attachment is None:
        abort(404)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)


@bp.post("/<int:report_id>/attachments/<int:attachment_id>/remove")
@login_required
@roles_required(Role.OFFICIAL)
def remove_attachment(report_id: int, attachment_id: int):
    report = _editable_or_403(report_id)
    attachment = next((a for a in report.attachments if a.id == attachment_id), None)
    if attachment is None:
        flash(_("该附件已删除"), "info")
        return _back(report)
    return _run(report, lambda form: services.remove_attachment(attachment, current_user), _("已删除附件"))


@bp.get("/overview")
@login_required
@roles_required(Role.OFFICIAL)
def show_overview():
    if not services.can_read_overview(current_user):
        abort(403)
    form = OverviewForm(request.args)
    kind = PeriodKind(form.kind.data) if form.validate() and form.kind.data else PeriodKind.YEAR
    year, number = services.last_ended(kind)
    if form.year.data and not form.year.errors:
        year = form.year.data
        number = form.number.data if form.number.data and form.number.data <= PERIODS[kind] else 1
    rows = services.overview(current_user, kind, year, number)
    return render_template("reports/overview.html", form=form, rows=rows, kind=kind, year=year, number=number,
                           period=period_label(kind, year, number), due=services.due_on(kind, year, number),
                           overdue=sum(1 for r in rows if r.overdue), labels=LABELS)


# --- public ----------------------------------------------------------------------------------------------------

@public_bp.get("/")
def list_cases():
    page = db.paginate(services.published_cases(), per_page=PER_PAGE, error_out=False)
    return render_template("reports/public_list.html", page=page)


def _published_or_404(case_id: int) -> TypicalCase:
    case = db.session.scalars(services.published_cases().where(TypicalCase.id == case_id)).first()
    if case is None:
        abort(404)
    return case


@public_bp.get("/<int:case_id>")
def show_case(case_id: int):
    return render_template("reports/public_case.html", case=_published_or_404(case_id))


@public_bp.get("/<int:case_id>/photos/<int:photo_id>.jpg")
def case_photo(case_id: int, photo_id: int):
    case = _published_or_404(case_id)
    photo = next((p for p in case.photos if p.id == photo_id), None)
    if photo is None:
        abort(404)
    return photos.send(photo.stored_name)
