"""Training completion certificates (培训结业证书): a one-page PDF drawn with the appointment certificate's
machinery (canvas, font, QR code to public verification) and the public verification of its number."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from sqlalchemy import select

from marketplace.directory.certificates import (
    FONT,
    PAGE,
    chinese_date,
    mask_name,
    new_canvas,
    normalize_number,
    qr_widget,
)
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.training.labels import MODE_LABELS
from marketplace.training.models import TrainingEnrollment, TrainingState

GREEN = HexColor("#1e6b3a")
INK = HexColor("#222222")
GREY = HexColor("#777777")


def verify_url(number: str) -> str:
    base = current_app.config["PUBLIC_URL"]
    return f"{base.rstrip('/')}/verify/training/{quote(number, safe='')}"


def check_printable(enrollment: TrainingEnrollment) -> None:
    if not enrollment.attended or not enrollment.certificate_no:
        raise Conflict(_("未登记出勤，没有结业证书"))
    if enrollment.training.state is TrainingState.CANCELLED:
        raise Conflict(_("培训已取消，没有结业证书"))


def render(enrollment: TrainingEnrollment) -> bytes:
    check_printable(enrollment)
    training = enrollment.training
    number = enrollment.certificate_no or ""
    buffer = BytesIO()
    canvas = new_canvas(buffer, _("培训结业证书 %(no)s", no=number))
    width, height = PAGE
    canvas.setStrokeColor(GREEN)
    canvas.setLineWidth(4)
    canvas.rect(28, 28, width - 56, height - 56)
    canvas.setFillColor(GREEN)
    canvas.setFont(FONT, 36)
    canvas.drawCentredString(width / 2, height - 120, _("培训结业证书"))
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 12)
    canvas.drawCentredString(width / 2, height - 150, _("证书编号：%(no)s", no=number))
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 18)
    canvas.drawString(130, height - 205, _("%(name)s 同志：", name=enrollment.counselor.name))
    canvas.setFont(FONT, 15)
    lines = [
        _("于 %(start)s 至 %(end)s 参加“%(title)s”培训，", start=chinese_date(training.starts_on),
          end=chinese_date(training.ends_on), title=training.title),
        _("培训方式：%(mode)s，获得 %(hours)s 学时，准予结业。", mode=MODE_LABELS[training.mode],
          hours=enrollment.hours),
        _("组织部门：%(dept)s　承办单位：%(org)s", dept=training.department.name, org=training.organiser),
    ]
    y = height - 245
    for line in lines:
        canvas.drawString(162, y, line[:60])
        y -= 30
    canvas.setFont(FONT, 14)
    canvas.drawCentredString(width - 190, 120, training.department.name)
    canvas.drawCentredString(width - 190, 96, chinese_date(enrollment.recorded_at.date() if enrollment.recorded_at
                                                           else training.ends_on))
    url = verify_url(number)
    widget = qr_widget(url)
    x1, y1, x2, y2 = widget.getBounds()
    size = 88
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 60, 60)
    canvas.linkURL(url, (60, 60, 60 + size, 60 + size), relative=0)
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 9)
    canvas.drawString(60 + size + 6, 110, _("扫码核验证书真伪"))
    canvas.setFont("Helvetica", 7)
    canvas.drawString(60 + size + 6, 98, url)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def download_name(enrollment: TrainingEnrollment) -> str:
    return f"{enrollment.certificate_no}-{enrollment.counselor.name}.pdf"


@dataclass
class TrainingVerification:
    number: str
    name: str
    title: str
    department: str
    starts_on: str
    ends_on: str
    hours: str
    valid: bool


def verify(number: str) -> TrainingVerification | None:
    """What the public may read of a completion certificate: the masked name and the training."""
    number = normalize_number(number)
    enrollment = db.session.scalars(select(TrainingEnrollment).where(
        TrainingEnrollment.certificate_no == number)).first()
    if enrollment is None or not enrollment.attended:
        return None
    training = enrollment.training
    return TrainingVerification(number=number, name=mask_name(enrollment.counselor.name), title=training.title,
                                department=training.department.name, starts_on=chinese_date(training.starts_on),
                                ends_on=chinese_date(training.ends_on), hours=str(enrollment.hours),
                                valid=training.state is not TrainingState.CANCELLED)
