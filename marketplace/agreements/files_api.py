"""Files of an agreement over the API (bearer token), with the pages' checks: the agreement PDF, the photos and
files of service records and of the acceptance, listed and downloaded by whoever may see the agreement; a
record with photos is written by the provider (乙方), acceptance photos are added by the entity (甲方) while the
agreement awaits acceptance. Routes on the agreements API blueprint."""

from __future__ import annotations

import io

from flask import abort, request, send_file
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from marketplace.agreements import pdf, records, services
from marketplace.agreements.api import ServiceRecordSchema, blp
from marketplace.agreements.models import AgreementItem, AgreementStatus, Attachment, Party, RecordKind
from marketplace.api import PDF, api_user, committed, file_doc, token_required, upload_doc
from marketplace.api.schemas import Int
from marketplace.centers import uploads
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db

UPLOAD_TYPES = tuple(t.content_type for t in uploads.ALLOWED)


class AttachmentSchema(Schema):
    id = Int()
    name = fields.String(attribute="original_name")
    content_type = fields.String()
    size = Int()
    sha256 = fields.String()
    record_id = Int(allow_none=True, metadata={"description": "服务记录的附件"})
    item_id = Int(allow_none=True, metadata={"description": "验收该服务项目时的照片"})
    uploaded_by_id = Int()
    uploaded_at = fields.DateTime()


class AttachmentList(Schema):
    items = fields.List(fields.Nested(AttachmentSchema))


class RecordForm(Schema):
    """A service record sent as a multipart form, with its photos (their SHA-256 enter the record's hash)."""

    served_on = fields.Date(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in RecordKind]))
    content = fields.String(required=True, validate=validate.Length(1, 4000))
    participants = fields.String(load_default="")
    place = fields.String(load_default="")
    corrects_id = Int(load_default=None)
    photos = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), load_default=list,
                         metadata={"description": "照片或文件（PNG、JPEG、PDF 等，可多个）"})


def _named(action, field: str):
    """An upload refused by content names the form field it came in."""
    try:
        return action()
    except uploads.UploadError as error:
        raise DomainError(error.message, field=field) from error


def _uploads(name: str) -> list:
    return [f for f in request.files.getlist(name) if f and f.filename]


@blp.route("/<int:agreement_id>/agreement.pdf", methods=["GET"])
@blp.doc(**file_doc("协议 PDF（由签署内容生成，印有内容摘要）", PDF))
@token_required
def download_agreement_pdf(agreement_id):
    """协议 PDF，与页面上的下载相同。"""
    agreement = services.visible_agreement(agreement_id, api_user())
    return send_file(io.BytesIO(pdf.render_agreement(agreement)), mimetype=PDF, as_attachment=False,
                     download_name=pdf.download_name(agreement))


@blp.route("/<int:agreement_id>/attachments", methods=["GET"])
@token_required
@blp.response(200, AttachmentList)
def list_attachments(agreement_id):
    """协议的全部附件：服务记录的照片和文件（record_id）与验收照片（item_id）。"""
    agreement = services.visible_agreement(agreement_id, api_user())
    return {"items": db.session.scalars(select(Attachment).where(Attachment.agreement_id == agreement.id)
                                        .order_by(Attachment.id)).all()}


@blp.route("/<int:agreement_id>/attachments/<int:attachment_id>", methods=["GET"])
@blp.doc(**file_doc("附件内容", *UPLOAD_TYPES))
@token_required
def download_agreement_attachment(agreement_id, attachment_id):
    """下载一个附件（可查看该协议的人）。"""
    agreement = services.visible_agreement(agreement_id, api_user())
    attachment = db.session.scalar(select(Attachment).where(Attachment.id == attachment_id,
                                                            Attachment.agreement_id == agreement.id))
    if attachment is None:
        abort(404)
    return uploads.send(attachment.stored_name, attachment.content_type, attachment.original_name)


@blp.route("/<int:agreement_id>/records/with-photos", methods=["POST"])
class RecordWithPhotos(MethodView):
    @token_required
    @blp.arguments(RecordForm, location="form", content_type="multipart/form-data")
    @blp.response(201, ServiceRecordSchema)
    def post(self, data, agreement_id):
        """登记一条带照片的服务记录（乙方）：multipart 表单，字段同 JSON 版本，照片放在 photos。"""
        user = api_user()
        agreement = services.visible_agreement(agreement_id, user)
        payload = records.RecordInput(
            served_on=data["served_on"], kind=RecordKind(data["kind"]), content=data["content"],
            participants=data["participants"], place=data["place"], corrects_id=data["corrects_id"],
            files=[(f.stream, f.filename) for f in _uploads("photos")])
        return committed(lambda: _named(lambda: records.add_record(user, agreement, payload), "photos"))


@blp.route("/<int:agreement_id>/items/<int:item_id>/photos", methods=["POST"])
class AcceptancePhotos(MethodView):
    @token_required
    @blp.doc(**upload_doc("验收照片（PNG、JPEG、PDF 等，可多个，字段名均为 file）"))
    @blp.response(201, AttachmentList)
    def post(self, agreement_id, item_id):
        """验收时为一个服务项目附上照片（甲方，协议待验收时）；随后用 transitions 的 accept 或 request_changes
        提交逐项结果。"""
        user = api_user()
        agreement = services.visible_agreement(agreement_id, user)
        if services.party_of(user, agreement) is not Party.ENTITY:
            raise NotAllowed(_("只有甲方可以上传验收照片"))
        item = db.session.get(AgreementItem, item_id)
        if item is None or item.agreement_id != agreement.id:
            abort(404)
        if agreement.status is not AgreementStatus.SUBMITTED:
            raise Conflict(_("协议不在待验收状态，不能上传验收照片"))
        files = _uploads("file")
        if not files:
            raise DomainError(_("请选择要上传的照片"), field="file")

        def attach_all():
            return {"items": [records.attach(user, agreement, f.stream, f.filename, item_id=item.id)
                              for f in files]}

        return committed(lambda: _named(attach_all, "file"))
