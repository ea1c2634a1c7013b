"""Uploaded files: checked by content (not by name or the browser's claim), size-limited, stored under
instance/uploads/ with random names (never under static/), and served as attachments only.

Allowed types, recognised by their first bytes ("magic numbers"):
- PDF:  ``%PDF-``
- PNG:  ``\\x89PNG\\r\\n\\x1a\\n``
- JPEG: ``\\xff\\xd8\\xff``
- DOCX / XLSX: a ZIP archive (``PK\\x03\\x04``) holding ``[Content_Types].xml`` and ``word/document.xml`` or
  ``xl/workbook.xml`` (Office Open XML); any other ZIP is refused.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import gettext as _

from marketplace.errors import DomainError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str


PDF = FileType("pdf", "application/pdf")
PNG = FileType("png", "image/png")
JPEG = FileType("jpg", "image/jpeg")
DOCX = FileType("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
XLSX = FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ALLOWED = (PDF, PNG, JPEG, DOCX, XLSX)
# File-name extensions that may carry each type (a name must agree with the content).
EXTENSIONS = {"pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG, "docx": DOCX, "xlsx": XLSX}


class UploadError(DomainError):
    """A refused upload; the message says why, for the user to read."""


def detect_type(data: bytes) -> FileType | None:
    """The allowed type whose signature `data` carries, or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
    return None


def max_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def upload_dir() -> Path:
    path = Path(current_app.instance_path) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def clean_name(name: str | None) -> str:
    """The file name as shown to people: no directories, no control characters, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[-200:] or "file"


@dataclass
class StoredFile:
    original_name: str
    stored_name: str
    content_type: str
    size: int


def store(stream: BinaryIO, filename: str | None) -> StoredFile:
    """Check and save an upload; raises UploadError with a clear message when it is refused."""
    limit = max_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise UploadError(_("请选择要上传的文件"), field="file")
    if len(data) > limit:
        raise UploadError(_("文件超过 %(mb)s MB 的大小限制", mb=_megabytes(limit)), field="file")
    kind = detect_type(data)
    if kind is None:
        raise UploadError(_("只能上传 PDF、PNG、JPEG、Word（docx）或 Excel（xlsx）文件；该文件的内容不是这些格式"),
                          field="file")
    name = clean_name(filename)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension and EXTENSIONS.get(extension) != kind:
        raise UploadError(_("文件扩展名 .%(ext)s 与文件内容（%(kind)s）不符", ext=extension,
                            kind=kind.extension.upper()), field="file")
    if not extension:
        name = f"{name}.{kind.extension}"
    stored_name = secrets.token_hex(16)
    (upload_dir() / stored_name).write_bytes(data)
    return StoredFile(original_name=name, stored_name=stored_name, content_type=kind.content_type, size=len(data))


def path_of(stored_name: str) -> Path:
    """Where a stored file is; the name is ours (random hex), never the user's."""
    if not stored_name.isalnum():
        raise ValueError("bad stored name")
    return upload_dir() / stored_name


def remove(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)


def _megabytes(limit: int) -> str:
    value = limit / (1024 * 1024)
    return f"{value:g}" if value >= 1 else f"{value:.2f}"


def send(stored_name: str, content_type: str, download_name: str):
    """The file as an attachment that browsers must not sniff or render inline."""
    from flask import send_file

    response = send_file(path_of(stored_name), mimetype=content_type, as_attachment=True,
                         download_name=download_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
