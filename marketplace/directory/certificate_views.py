"""Certificate pages: one counselor's PDF, batches with live progress, and the public verification page."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import Optional

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.auth.security import safe_next
from marketplace.directory import certificates
from marketplace.directory.models import Counselor, CounselorStatus, Source, WorkMode
from marketplace.directory.search import SORTS, CounselorFilters
from marketplace.directory.views import bp
from marketplace.errors import DomainError
from marketplace.extensions import db, limiter
from marketplace.jobs.models import Job, JobState
from marketplace.jurisdiction import get_scoped_or_404
from marketplace.timeutil import format_local, local_today

# The public certificate check lives outside /directory: anyone may open it.
public_bp = Blueprint("verify", __name__, url_prefix="/verify")


def verify_rate() -> str:
    return current_app.config.get("RATELIMIT_VERIFY", "60 per minute")


class BatchCertificatesForm(FlaskForm):
    """The directory list's filters (hidden fields copied from the list) and the output format."""

    q = StringField(validators=[Optional()])
    region_code = StringField(validators=[Optional()])
    specialty = IntegerField(validators=[Optional()])
    industry = IntegerField(validators=[Optional()])
    status = SelectField(choices=[("", "")] + [(s.value, s.value) for s in CounselorStatus],
                         validators=[Optional()])
    work_mode = SelectField(choices=[("", "")] + [(m.value, m.value) for m in WorkMode], validators=[Optional()])
    source = SelectField(choices=[("", "")] + [(s.value, s.value) for s in Source], validators=[Optional()])
    department_id = IntegerField(validators=[Optional()])
    sort = StringField(validators=[Optional()])
    format = SelectField(_l("输出格式"), choices=[("pdf", _l("合并为一个 PDF")), ("zip", _l("每人一个 PDF（zip）"))],
                         default="pdf")
    next = HiddenField()

    def filters(self) -> CounselorFilters:
        return CounselorFilters(
            q=(self.q.data or "").strip() or None, region_code=self.region_code.data or None,
            specialty=self.specialty.data or None, industry=self.industry.data or None,
            status=CounselorStatus(self.status.data) if self.status.data else None,
            work_mode=WorkMode(self.work_mode.data) if self.work_mode.data else None,
            source=Source(self.source.data) if self.source.data else None,
            department_id=self.department_id.data or None,
            sort=self.sort.data if self.sort.data in SORTS else CounselorFilters.sort)


@bp.get("/<int:counselor_id>/certificate.pdf")
@login_required
def download_certificate(counselor_id: int):
    counselor = get_scoped_or_404(Counselor, counselor_id, current_user)
    pdf = certificates.render_certificate(counselor)  # a Conflict (not 在聘/暂停) becomes the error page
    return send_file(BytesIO(pdf), mimetype="application/pdf", download_name=certificates.download_name(counselor))


@bp.post("/certificates/batch")
@login_required
@roles_required(Role.OFFICIAL)
def start_certificate_batch():
    form = BatchCertificatesForm()
    back = safe_next(form.next.data) or url_for("main.home")
    if not form.validate_on_submit():
        flash(_("筛选条件无效，请返回列表重试"), "danger")
        return redirect(back)
    try:
        job = certificates.start_batch(current_user, form.filters(), form.format.data)
    except DomainError as error:
        flash(error.message, "warning")
        return redirect(back)
    db.session.commit()
    return redirect(url_for("directory.show_certificate_batch", job_id=job.id))


def _batch_or_404(job_id: str) -> Job:
    job = get_scoped_or_404(Job, job_id, current_user)
    if job.kind != certificates.JOB_KIND:
        abort(404)
    return job


@bp.get("/certificates/batch/<job_id>")
@login_required
@roles_required(Role.OFFICIAL)
def show_certificate_batch(job_id: str):
    job = _batch_or_404(job_id)
    return render_template("directory/certificates/batch.html", job=job, status=_job_status(job))


@bp.get("/certificates/batch/<job_id>.json")
@login_required
@roles_required(Role.OFFICIAL)
def certificate_batch_status(job_id: str):
    return jsonify(_job_status(_batch_or_404(job_id)))


@bp.get("/certificates/batch/<job_id>/download")
@login_required
@roles_required(Role.OFFICIAL)
def download_certificate_batch(job_id: str):
    job = _batch_or_404(job_id)
    path = certificates.result_file(job) if job.state is JobState.SUCCEEDED else None
    if path is None:
        abort(404)
    name = _("聘任证书-%(date)s.%(ext)s", date=format_local(job.created_at, "%Y%m%d"), ext=path.suffix.lstrip("."))
    return send_file(path, as_attachment=True, download_name=name)


def _job_status(job: Job) -> dict:
    done = job.state is JobState.SUCCEEDED
    return {
        "state": job.state.value, "processed": job.processed, "total": job.total,
        "percent": 100 if done else int(job.processed * 100 / job.total) if job.total else 0,
        "errors": job.errors or [], "format": job.params.get("format", "pdf"),
        "download_url": url_for("directory.download_certificate_batch", job_id=job.id) if done else None,
    }


# --- public ---------------------------------------------------------------------------------------------------

@public_bp.get("/")
@limiter.limit(verify_rate)
def verify_form():
    number = certificates.normalize_number(request.args.get("number", ""))
    if number:
        return redirect(url_for("verify.verify_certificate", certificate_no=number))
    return render_template("directory/certificates/verify_form.html")


@public_bp.get("/<certificate_no>")
@limiter.limit(verify_rate)
def verify_certificate(certificate_no: str):
    result = certificates.verify(certificate_no)
    return render_template("directory/certificates/verify.html", result=result, today=local_today(),
                           chinese_date=certificates.chinese_date,
                           number=certificates.normalize_number(certificate_no)), (200 if result else 404)
