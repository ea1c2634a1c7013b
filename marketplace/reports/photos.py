"""Photos of typical cases: decoded and re-encoded with Pillow (a JPEG without EXIF, so no location, camera or
author data reaches the public page), at most 1600 px on the long side, stored like other uploads."""

from __future__ import annotations

import io
import secrets
from typing import BinaryIO

from flask_babel import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from marketplace.centers import uploads

MAX_SIDE = 1600
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


def store(stream: BinaryIO) -> tuple[str, int, int]:
    """Check and re-encode an uploaded photo; returns (stored name, width, height)."""
    data = stream.read(uploads.max_bytes() + 1)
    if not data:
        raise uploads.UploadError(_("请选择照片"), field="photo")
    if len(data) > uploads.max_bytes():
        raise uploads.UploadError(_("照片太大"), field="photo")
    if uploads.detect_type(data) not in (uploads.PNG, uploads.JPEG):
        raise uploads.UploadError(_("照片只能是 JPEG 或 PNG 格式"), field="photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise uploads.UploadError(_("照片像素过多"), field="photo")
            image = ImageOps.exif_transpose(probe)  # keep the orientation the camera meant, then drop EXIF
            image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise uploads.UploadError(_("无法读取该照片，请换一张 JPEG 或 PNG 照片"), field="photo") from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    name = secrets.token_hex(16)
    (uploads.upload_dir() / name).write_bytes(out.getvalue())
    return name, image.width, image.height


def discard(stored_name: str) -> None:
    uploads.remove(stored_name)


def send(stored_name: str):
    """The photo inline (it is our own re-encoded JPEG), never sniffed."""
    from flask import send_file

    response = send_file(uploads.path_of(stored_name), mimetype="image/jpeg", max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
