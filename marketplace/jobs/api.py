"""Progress of background jobs (imports, batch certificates)."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, token_required
from marketplace.jobs.models import Job
from marketplace.jurisdiction import get_scoped_or_404

blp = Blueprint("jobs_api", __name__, url_prefix="/jobs", description="后台任务进度")

ERRORS_PER_PAGE = 100


class ErrorPageArgs(Schema):
    errors_page = fields.Integer(load_default=1, validate=validate.Range(1, 10**6),
                                 metadata={"description": "错误清单的页码（从 1 开始）"})
    errors_per_page = fields.Integer(load_default=ERRORS_PER_PAGE, validate=validate.Range(1, 1000),
                                     metadata={"description": "每页错误条数，默认 100，最多 1000"})


@blp.route("/<job_id>", methods=["GET"])
@token_required
@blp.arguments(ErrorPageArgs, location="query")
def get_job(args, job_id: str):
    """任务状态：state、processed、total、summary，以及分页的 errors（行、列、原因）。

    errors 只含第 errors_page 页（每页 errors_per_page 条，默认 100）；errors_total 为错误总数，完整清单也可下载
    为 xlsx（页面上的“下载错误清单”）。"""
    job = get_scoped_or_404(Job, job_id, api_user())
    errors = job.errors or []
    page, per_page = args["errors_page"], args["errors_per_page"]
    return {"job_id": job.id, "kind": job.kind, "state": job.state.value, "processed": job.processed,
            "total": job.total, "errors": errors[(page - 1) * per_page:page * per_page],
            "errors_total": len(errors), "errors_page": page, "errors_per_page": per_page,
            "summary": job.summary or {}}
