"""Bulk actions over the API (bearer token), on the counselor API blueprint: preview, apply, the job's state."""

from __future__ import annotations

from flask import abort
from marshmallow import Schema, fields, validate

from marketplace.api import api_user, token_required
from marketplace.directory import bulk, certificates
from marketplace.directory.api import blp
from marketplace.directory.models import CounselorStatus, Source, WorkMode
from marketplace.directory.search import SORTS, CounselorFilters
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.jurisdiction import scoped

MAX_INT = 2**31 - 1


class SelectionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(bulk.ACTIONS)),
                           metadata={"description": "suspend（暂停）/ strike_off（解聘、除名）/ renew（续聘）/ "
                                                    "print（打印聘任证书）"})
    ids = fields.List(fields.Integer(validate=validate.Range(1, MAX_INT)), validate=validate.Length(max=bulk.MAX_IDS),
                      load_default=None, allow_none=True,
                      metadata={"description": "勾选的辅导员 id；不填则为全部符合筛选条件的辅导员"})
    q = fields.String(validate=validate.Length(max=64), load_default=None)
    region_code = fields.String(validate=validate.Length(max=12), load_default=None)
    specialty = fields.Integer(validate=validate.Range(1, 255), load_default=None)
    industry = fields.Integer(validate=validate.Range(1, 255), load_default=None)
    status = fields.String(validate=validate.OneOf([s.value for s in CounselorStatus]), load_default=None)
    work_mode = fields.String(validate=validate.OneOf([m.value for m in WorkMode]), load_default=None)
    source = fields.String(validate=validate.OneOf([s.value for s in Source]), load_default=None)
    sort = fields.String(validate=validate.OneOf(list(SORTS)), load_default="-updated_at")


class ApplySchema(SelectionSchema):
    token = fields.UUID(required=True, metadata={"description": "幂等令牌（客户端生成的 UUID）：重复提交返回同一任务"})
    expected = fields.Integer(required=True, validate=validate.Range(0, 10_000_000),
                              metadata={"description": "预览中的 changing（将变更人数）；名单有变化时拒绝"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "原因，记入每名辅导员的变更记录"})
    term_end = fields.Date(load_default=None, metadata={"description": "续聘的新聘期结束日期（不填为三年）"})
    format = fields.String(validate=validate.OneOf(list(certificates.FORMATS)), load_default="pdf")


class PreviewSchema(Schema):
    action = fields.String()
    selected = fields.Integer(metadata={"description": "选中人数"})
    changing = fields.Integer(metadata={"description": "将变更人数"})
    other_department = fields.Integer(metadata={"description": "由其他部门聘任、不作变更的人数"})
    wrong_state = fields.Integer(metadata={"description": "状态不适用、不作变更的人数"})


class BulkJobSchema(Schema):
    job_id = fields.String()
    kind = fields.String(metadata={"description": "counselor_bulk，或打印证书时的 certificates"})
    state = fields.String(metadata={"description": "pending / running / succeeded / failed"})
    processed = fields.Integer()
    total = fields.Integer()
    errors = fields.List(fields.Dict())


def _selection(args: dict) -> bulk.Selection:
    filters = CounselorFilters(
        q=args.get("q"), region_code=args.get("region_code"), specialty=args.get("specialty"),
        industry=args.get("industry"), status=CounselorStatus(args["status"]) if args.get("status") else None,
        work_mode=WorkMode(args["work_mode"]) if args.get("work_mode") else None,
        source=Source(args["source"]) if args.get("source") else None, sort=args.get("sort") or "-updated_at")
    return bulk.Selection(filters=filters, ids=args.get("ids"))


def _job_json(job: Job) -> dict:
    return {"job_id": job.id, "kind": job.kind, "state": job.state.value, "processed": job.processed,
            "total": job.total, "errors": job.errors or []}


@blp.route("/bulk/preview", methods=["POST"])
@token_required
@blp.arguments(SelectionSchema)
@blp.response(200, PreviewSchema)
def preview_bulk(args):
    """批量操作预览：选中多少人、将变更多少人（仅本部门聘任且状态适用者），其余为何不变更。只读。"""
    preview = bulk.preview(api_user(), args["action"], _selection(args))
    return {"action": preview.action, "selected": preview.selected, "changing": preview.changing,
            "other_department": preview.other_department, "wrong_state": preview.wrong_state}


@blp.route("/bulk", methods=["POST"])
@token_required
@blp.arguments(ApplySchema)
@blp.response(201, BulkJobSchema)
def apply_bulk(args):
    """执行批量操作（一个原因适用于全部）。全部成功或全部不变更；超过一定人数时在后台执行，用返回的 job_id
    查询进度。同一 token 重复提交返回同一任务。"""
    try:
        job = bulk.apply(api_user(), args["action"], _selection(args), args["reason"], str(args["token"]),
                         args["expected"], args.get("term_end"), args.get("format") or "pdf")
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return _job_json(job)


@blp.route("/bulk/jobs/<job_id>", methods=["GET"])
@token_required
@blp.response(200, BulkJobSchema)
def get_bulk(job_id):
    """一次批量操作的状态。"""
    if len(job_id) > 36:
        abort(404)
    job = db.session.scalars(scoped(Job, api_user()).where(
        Job.id == job_id, Job.kind.in_([bulk.JOB_KIND, certificates.JOB_KIND]))).first()
    if job is None:
        abort(404)
    if job.kind == certificates.JOB_KIND and not job.params.get("reason"):
        abort(404)  # an ordinary certificate batch, not a bulk action
    return _job_json(job)


