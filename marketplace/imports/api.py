"""The import endpoints an area adds to its API blueprint: POST <prefix>/imports and GET <prefix>/template.xlsx,
the same for every import kind (progress at /api/v1/jobs/<job_id>)."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from marketplace.api import XLSX, api_user, error_response, file_doc, token_required, upload_doc
from marketplace.errors import NotAllowed
from marketplace.extensions import db
from marketplace.imports import jobs
from marketplace.imports.reader import ImportFileError
from marketplace.imports.spec import ImportKind
from marketplace.imports.template import build_template
from marketplace.imports.web import xlsx_response


def add_import_api(blp, kind: ImportKind, *, noun: str, file_prefix: str) -> None:
    """`noun` names the rows in the API docs (e.g. "辅导员")."""

    def create_import():
        kind.department(api_user())  # 403 below county level
        upload = request.files.get("file")
        if upload is None:
            return error_response(400, _("请上传文件（multipart 字段 file）"), "file_required", field="file")
        try:
            job = jobs.start_import(kind, api_user(), upload.stream, request.content_length)
        except ImportFileError as error:
            return error_response(400, error.message, "bad_file", field="file")
        db.session.commit()
        return {"job_id": job.id}, 202

    def download_template():
        user = api_user()
        if not user.is_official:
            raise NotAllowed(_("无权执行此操作"))
        return xlsx_response(build_template(kind, user.department), f"{file_prefix}-import-template.xlsx")

    create_import.__doc__ = (f"上传 xlsx（multipart 字段 `file`）批量导入{noun}（县级及以上部门）；返回 202 与 job_id。"
                             "\n\n进度见 /jobs/<job_id>。")
    download_template.__doc__ = f"{noun}导入模板（xlsx）。"
    accepted = {"202": {"description": "已排队", "content": {"application/json": {"schema": {
        "type": "object", "required": ["job_id"], "properties": {"job_id": {"type": "string"}}}}}}}
    blp.route("/imports", methods=["POST"])(blp.doc(**upload_doc(f"{noun}导入文件（xlsx）"), responses=accepted)(
        token_required(create_import)))
    blp.route("/template.xlsx", methods=["GET"])(blp.doc(**file_doc(f"{noun}导入模板", XLSX))(
        token_required(download_template)))
