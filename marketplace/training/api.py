"""Training over the API: the trainings a user may see, one training with its list (officials) or one's own
enrolment (counselors), enrolling and withdrawing oneself."""

from __future__ import annotations

from flask import abort
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from marketplace.api import api_user, committed, error_response, token_required, upload_doc
from marketplace.api.schemas import PageArgs, PageMeta, page_meta
from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.training import services
from marketplace.training.models import Training

blp = Blueprint("trainings_api", __name__, url_prefix="/trainings", description="岗位培训")


class EnrollmentSchema(Schema):
    id = fields.Integer()
    counselor_id = fields.Integer()
    counselor_name = fields.Function(lambda e: e.counselor.name)
    attended = fields.Boolean(allow_none=True)
    hours = fields.Decimal(as_string=True, allow_none=True)
    certificate_no = fields.String(allow_none=True)


class TrainingSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    topic_specialty = fields.Integer(allow_none=True)
    topic = fields.String(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    mode = fields.Function(lambda t: t.mode.value)
    place = fields.String(allow_none=True)
    hours = fields.Decimal(as_string=True)
    organiser = fields.String()
    capacity = fields.Integer()
    audience = fields.Function(lambda t: t.audience.value)
    state = fields.Function(lambda t: t.state.value)
    department = fields.Function(lambda t: t.department.name)
    region_code = fields.String()
    enrolled = fields.Function(lambda t: len(t._training.enrollments if isinstance(t, _Detail) else t.enrollments))


class TrainingDetailSchema(TrainingSchema):
    description = fields.String(allow_none=True)
    enrollments = fields.List(fields.Nested(EnrollmentSchema))


class TrainingPage(Schema):
    items = fields.List(fields.Nested(TrainingSchema))
    meta = fields.Nested(PageMeta)


def _visible_or_404(training_id: int) -> Training:
    training = services.get_visible_or_none(api_user(), training_id)
    if training is None:
        abort(404)
    return training


class _Detail:
    """A training as the reader may see it: the whole list for officials, one's own row for a counselor."""

    def __init__(self, training: Training, rows: list):
        self._training, self.enrollments = training, rows

    def __getattr__(self, name: str):
        return getattr(self._training, name)


def _detail(training: Training) -> _Detail:
    user = api_user()
    counselor = services.counselor_of(user)
    rows = training.enrollments if user.is_official else [
        e for e in training.enrollments if counselor and e.counselor_id == counselor.id]
    return _Detail(training, rows)


@blp.route("")
class Trainings(MethodView):
    @token_required
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, TrainingPage)
    def get(self, args):
        """官员：辖区内的培训；辅导员：可参加或已报名的培训。最新在前。"""
        query = services.visible_trainings(api_user()).order_by(Training.starts_on.desc(), Training.id.desc())
        page = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False)
        return {"items": page.items, "meta": page_meta(page)}


@blp.route("/<int:training_id>")
@token_required
@blp.response(200, TrainingDetailSchema)
def get_training(training_id):
    """一次培训。官员看到参训名单；辅导员只看到本人的报名。"""
    return _detail(_visible_or_404(training_id))


@blp.route("/<int:training_id>/enrollment", methods=["POST"])
@token_required
@blp.response(201, EnrollmentSchema)
def enroll(training_id):
    """辅导员本人报名。"""
    training = _visible_or_404(training_id)
    counselor = services.counselor_of(api_user())
    if counselor is None:
        raise NotAllowed(_("只有辅导员本人可以报名"))
    return committed(lambda: services.enroll(training, counselor, api_user()))


@blp.route("/<int:training_id>/enrollment", methods=["DELETE"])
@token_required
@blp.response(204)
def withdraw(training_id):
    """辅导员本人取消报名（出勤登记前）。"""
    training = _visible_or_404(training_id)
    counselor = services.counselor_of(api_user())
    mine = next((e for e in training.enrollments if counselor and e.counselor_id == counselor.id), None)
    if mine is None:
        raise DomainError(_("您没有报名这次培训"))
    committed(lambda: services.withdraw(mine, api_user()))


_ACCEPTED = {"202": {"description": "已排队", "content": {"application/json": {"schema": {
    "type": "object", "required": ["job_id"], "properties": {"job_id": {"type": "string"}}}}}}}


@blp.route("/<int:training_id>/attendance/import", methods=["POST"])
@blp.doc(**upload_doc("签到表（xlsx、xls 或 csv）"), responses=_ACCEPTED)
@token_required
def import_attendance(training_id):
    """组织培训的部门上传签到表登记出勤（multipart 字段 `file`；列见模板 /training/attendance-template.xlsx）；
    返回 202 与 job_id，进度见 /jobs/<job_id>。全部行无误才登记，否则不写入任何数据。"""
    from flask import request

    from marketplace.imports import jobs
    from marketplace.imports.reader import ImportFileError
    from marketplace.training.imports import KIND

    training = _visible_or_404(training_id)
    if not services.can_manage(api_user(), training):
        raise NotAllowed(_("只有组织培训的部门可以登记出勤"))
    upload = request.files.get("file")
    if upload is None:
        return error_response(400, _("请上传文件（multipart 字段 file）"), "file_required", field="file")
    try:
        job = jobs.start_import(KIND, api_user(), upload.stream, request.content_length)
    except ImportFileError as error:
        return error_response(400, error.message, "bad_file", field="file")
    job.params = {**(job.params or {}), "training_id": training.id}
    db.session.commit()
    return {"job_id": job.id}, 202
