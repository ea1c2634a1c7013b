"""The 重试 button of a failed background job (certificate batches, evaluations, reports)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import Role
from marketplace.auth.decorators import roles_required
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.forms import EmptyForm
from marketplace.jobs import services
from marketplace.jobs.models import Job, JobState
from marketplace.jurisdiction import get_scoped_or_404

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.app_template_global()
def job_retry_url(job: Job) -> str | None:
    """Where the 重试 button posts (shown when the job has failed), or None when it cannot come to that."""
    recovery = services.recovery_of(job)
    if recovery is None or not recovery.retryable or job.state is JobState.SUCCEEDED:
        return None
    return url_for("jobs.retry_job", job_id=job.id)


@bp.app_template_global()
def job_waiting_for_broker(job: Job) -> bool:
    """A pending job whose message the broker refused: the card says it starts once the service is back."""
    from marketplace.outbox.services import refused_by_broker

    return job.state is JobState.PENDING and refused_by_broker(job.id)


@bp.post("/<job_id>/retry")
@login_required
@roles_required(Role.OFFICIAL)
def retry_job(job_id: str):
    job = get_scoped_or_404(Job, job_id, current_user)
    recovery = services.recovery_of(job)
    if recovery is None or recovery.show_endpoint is None or not EmptyForm().validate_on_submit():
        abort(400 if recovery else 404)
    try:
        services.retry(job, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已重新提交，任务将重新开始"), "success")
    return redirect(url_for(recovery.show_endpoint, job_id=job.id))
