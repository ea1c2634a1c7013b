"""Progress of background jobs (imports, batch certificates)."""

from __future__ import annotations

from flask_smorest import Blueprint

from marketplace.api import api_user, token_required
from marketplace.jobs.models import Job
from marketplace.jurisdiction import get_scoped_or_404

blp = Blueprint("jobs_api", __name__, url_prefix="/jobs", description="后台任务进度")


@blp.route("/<job_id>", methods=["GET"])
@token_required
def get_job(job_id: str):
    """任务状态：state、processed、total、errors（行、列、原因）与 summary。"""
    job = get_scoped_or_404(Job, job_id, api_user())
    return {"job_id": job.id, "kind": job.kind, "state": job.state.value, "processed": job.processed,
            "total": job.total, "errors": job.errors or [], "summary": job.summary or {}}
