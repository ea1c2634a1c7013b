"""Appointment certificates (聘任证书): the printable PDF, batches built in the background, public verification.

A certificate shows its number, the counselor's name, the appointing department and its level, the term, the
issue date, a place for the seal and a QR code to the public verification page (`PUBLIC_URL` + /verify/<no>).
Chinese is set in the embedded (subsetted) TrueType font of `marketplace.pdffonts`, so any viewer shows it,
and the text can be extracted back. A certificate is valid while the counselor is 在聘 and today is inside
the term; a renewal issues a new number, and the old one then reads "已被新证书替代".
"""

from __future__ import annotations

import logging
import os
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import String, cast, func, select

from marketplace.accounts.models import User
from marketplace.audit.services import record
from marketplace.background import enqueue_job_after_commit
from marketplace.directory.labels import STATUS_LABELS
from marketplace.directory.models import Counselor, CounselorEvent, CounselorStatus, Source, WorkMode
from marketplace.directory.search import CounselorFilters, counselor_query
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.labels import level_label
from marketplace.pdffonts import CJK_FONT, register_cjk_font
from marketplace.timeutil import local_today, utcnow

log = logging.getLogger(__name__)

FONT = CJK_FONT
PAGE = landscape(A4)
PRINTABLE = (CounselorStatus.APPOINTED, CounselorStatus.SUSPENDED)
JOB_KIND = "certificates"
FORMATS = ("pdf", "zip")
CHUNK = 50  # counselors loaded and drawn between two progress reports

RED = HexColor("#a3201c")
GOLD = HexColor("#b8892b")
INK = HexColor("#222222")
GREY = HexColor("#777777")


# --- numbers, URLs, names -------------------------------------------------------------------------------------

def verify_url(certificate_no: str, base: str | None = None) -> str:
    """The public verification page of a certificate number (what the QR code holds), on the configured public
    address (`PUBLIC_URL`, set by FUDAO_PUBLIC_URL; `scripts/run` sets it to the host and port it serves)."""
    base = base or current_app.config["PUBLIC_URL"]
    return f"{base.rstrip('/')}/verify/{quote(certificate_no, safe='')}"


def normalize_number(text: str) -> str:
    """A typed certificate number: full-width characters folded, spaces removed."""
    return "".join(unicodedata.normalize("NFKC", text or "").split()).upper()


def mask_name(name: str) -> str:
    """'刘桂芳' -> '刘*芳', '张三' -> '张*', '欧阳娜娜' -> '欧**娜'."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def chinese_date(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


# --- one certificate ------------------------------------------------------------------------------------------

@dataclass
class CertificateData:
    """What is printed on a certificate."""

    certificate_no: str
    name: str
    department: str
    level: str
    term_start: date
    term_end: date
    issued_on: date
    url: str

    @classmethod
    def of(cls, counselor: Counselor) -> CertificateData:
        department = counselor.department
        return cls(certificate_no=counselor.certificate_no, name=counselor.name, department=department.name,
                   level=level_label(department.level), term_start=counselor.appointed_on,
                   term_end=counselor.term_end, issued_on=counselor.appointed_on,
                   url=verify_url(counselor.certificate_no))

    @property
    def term(self) -> str:
        return _("%(start)s至%(end)s", start=chinese_date(self.term_start), end=chinese_date(self.term_end))


def check_printable(counselor: Counselor) -> None:
    """Only counselors in the directory (在聘 or 暂停) have a certificate to print."""
    if counselor.status not in PRINTABLE:
        raise Conflict(_("该辅导员当前状态为“%(status)s”，没有可打印的聘任证书（仅在聘或暂停的辅导员可打印）",
                         status=STATUS_LABELS[counselor.status]))


def qr_widget(url: str) -> QrCodeWidget:
    return QrCodeWidget(url, barLevel="M")


def _register_font() -> None:
    register_cjk_font()


def new_canvas(target, title: str) -> Canvas:
    _register_font()
    canvas = Canvas(target, pagesize=PAGE, pageCompression=1)
    canvas.setTitle(title)
    canvas.setCreator("Fudao")
    return canvas


def _fit(text: str, size: float, width: float, minimum: float = 9) -> float:
    """The largest font size up to `size` at which `text` fits in `width`."""
    while size > minimum and pdfmetrics.stringWidth(text, FONT, size) > width:
        size -= 0.5
    return size


def _centered(canvas: Canvas, text: str, y: float, size: float, spacing: float = 0, x: float | None = None,
              color=INK, bold: bool = False) -> None:
    width = pdfmetrics.stringWidth(text, FONT, size) + spacing * (len(text) - 1)
    x = (PAGE[0] if x is None else 2 * x) / 2 - width / 2
    canvas.saveState()  # character spacing and render mode are graphics state: keep them to this text
    line = canvas.beginText(x, y)
    line.setFont(FONT, size)
    line.setCharSpace(spacing)
    line.setFillColor(color)
    if bold:  # the CID font has no bold face: stroke the outline as well
        canvas.setStrokeColor(color)
        canvas.setLineWidth(size / 40)
        line.setTextRenderMode(2)
    line.textOut(text)
    canvas.drawText(line)
    canvas.restoreState()


def split_name(name: str) -> tuple[str, str]:
    """Two lines for a long department name, broken after a place name (省, 市, 县 ...) nearest the middle."""
    middle = len(name) / 2
    breaks = [i + 1 for i, char in enumerate(name[:-1]) if char in "省市州盟区县旗师团"]
    cut = min(breaks, key=lambda i: abs(i - middle)) if breaks else (len(name) + 1) // 2
    return name[:cut], name[cut:]


def draw_certificate(canvas: Canvas, data: CertificateData) -> None:
    """Draw one certificate on the current page and end the page."""
    width, height = PAGE
    canvas.saveState()
    # Frame: a heavy outer border and a fine inner one.
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(5)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(1.2)
    canvas.rect(36, 36, width - 72, height - 72)
    for x, y in ((36, 36), (width - 36, 36), (36, height - 36), (width - 36, height - 36)):
        canvas.setFillColor(GOLD)
        canvas.rect(x - 5, y - 5, 10, 10, stroke=0, fill=1)

    # Title and number.
    _centered(canvas, _("聘任证书"), height - 118, 42, spacing=22, color=RED, bold=True)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.line(width / 2 - 150, height - 138, width / 2 + 150, height - 138)
    _centered(canvas, _("证书编号：%(no)s", no=data.certificate_no), height - 160, 12, color=GREY)

    # Body: the appointment in words, then its particulars.
    left = 130
    canvas.setFillColor(INK)
    salutation = _("%(name)s 同志：", name=data.name)
    canvas.setFont(FONT, _fit(salutation, 20, width - 2 * left))
    canvas.drawString(left, height - 215, salutation)
    body = _("经审核，聘任您为“千员带万社”新型农业经营主体辅导员。")
    canvas.setFont(FONT, _fit(body, 16, width - 2 * left - 32))
    canvas.drawString(left + 32, height - 250, body)
    canvas.setFont(FONT, 16)
    canvas.drawString(left + 32, height - 278, _("特发此证。"))

    rows = [(_("姓　　名"), data.name), (_("聘任部门"), data.department), (_("部门层级"), data.level),
            (_("聘　　期"), data.term)]
    label_x, value_x, y = left + 96, left + 196, height - 322
    for label, value in rows:
        canvas.setFillColor(GREY)
        canvas.setFont(FONT, 13)
        canvas.drawString(label_x, y, label + "：")
        canvas.setFillColor(INK)
        canvas.setFont(FONT, _fit(value, 15, width - value_x - 200))
        canvas.drawString(value_x, y, value)
        y -= 27

    # Issuer and date, with the place for the seal over them (as a stamp is put on).
    seal_x, seal_y = width - 190, 118
    issuer = data.department
    if pdfmetrics.stringWidth(issuer, FONT, 14) > 160:  # a long name goes on two lines, inside the seal
        first, second = split_name(issuer)
        size = min(_fit(first, 14, 106), _fit(second, 14, 106))
        _centered(canvas, first, seal_y + 9, size, x=seal_x)
        _centered(canvas, second, seal_y - 9, size, x=seal_x)
        date_y = seal_y - 33
    else:
        _centered(canvas, issuer, seal_y, 14, x=seal_x)
        date_y = seal_y - 24
    _centered(canvas, chinese_date(data.issued_on), date_y, 13, x=seal_x)
    canvas.setStrokeColor(RED)
    canvas.setLineWidth(1)
    canvas.setDash(4, 3)
    canvas.circle(seal_x, seal_y + 4, 62, stroke=1, fill=0)
    canvas.setDash()
    _centered(canvas, _("（盖章）"), seal_y + 34, 11, x=seal_x, color=GREY)

    # QR code to the public verification page; the same area is a link in PDF viewers.
    size, qr_x, qr_y = 92, 60, 62
    widget = qr_widget(data.url)
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, qr_x, qr_y)
    canvas.linkURL(data.url, (qr_x, qr_y, qr_x + size, qr_y + size), relative=0)
    canvas.setFillColor(GREY)
    canvas.setFont(FONT, 9)
    canvas.drawString(qr_x + size + 6, qr_y + 50, _("扫码核验证书真伪"))
    canvas.setFont(FONT, 7)
    canvas.drawString(qr_x + size + 6, qr_y + 38, data.url)
    canvas.restoreState()
    canvas.showPage()


def render_certificate(counselor: Counselor) -> bytes:
    """One counselor's certificate as a one-page PDF."""
    check_printable(counselor)
    return render_pdf([CertificateData.of(counselor)])


def render_pdf(certificates: list[CertificateData], title: str | None = None) -> bytes:
    buffer = BytesIO()
    canvas = new_canvas(buffer, title or (_("聘任证书 %(no)s", no=certificates[0].certificate_no)
                                          if len(certificates) == 1 else _("聘任证书")))
    for data in certificates:
        draw_certificate(canvas, data)
    canvas.save()
    return buffer.getvalue()


def download_name(counselor: Counselor) -> str:
    return f"{counselor.certificate_no}-{counselor.name}.pdf"


# --- batches --------------------------------------------------------------------------------------------------

def filters_to_params(filters: CounselorFilters) -> dict:
    return {key: getattr(value, "value", value) for key, value in asdict(filters).items() if value not in (None, "")}


def filters_from_params(params: dict) -> CounselorFilters:
    kinds = {"status": CounselorStatus, "work_mode": WorkMode, "source": Source}
    values = {key: kinds[key](value) if key in kinds else value for key, value in params.items()
              if key in CounselorFilters.__dataclass_fields__}
    return CounselorFilters(**values)


def batch_query(actor: User, filters: CounselorFilters):
    """The counselors of a filtered list that have a certificate, in list order, scoped to the actor."""
    return counselor_query(actor, filters).where(Counselor.status.in_(PRINTABLE))


def start_batch(actor: User, filters: CounselorFilters, fmt: str = "pdf", job_id: str | None = None,
                reason: str | None = None) -> Job:
    """Queue a batch of certificates (one PDF or a zip of PDFs) for the filtered list; officials only. The bulk
    actions (directory/bulk.py) pass the job's id (their double-submit token) and the reason given."""
    if not actor.is_official or actor.department is None:
        raise NotAllowed(_("只有管理员可以批量打印聘任证书"))
    if fmt not in FORMATS:
        raise DomainError(_("请选择输出格式"), field="format")
    total = db.session.scalar(select(func.count()).select_from(batch_query(actor, filters).order_by(None)
                                                               .subquery()))
    if not total:
        raise DomainError(_("当前筛选结果中没有可打印证书的辅导员（仅在聘或暂停的辅导员有证书）"))
    job = Job(kind=JOB_KIND, actor_id=actor.id, region_code=actor.department.region_code, total=total,
              processed=0, state=JobState.PENDING, params={"filters": filters_to_params(filters), "format": fmt})
    if job_id:
        job.id = job_id
    if reason:
        job.params["reason"] = reason
    db.session.add(job)
    db.session.flush()
    record(actor, "certificate.batch", job, region_code=job.region_code, format=fmt, total=total,
           filters=job.params["filters"], **({"reason": reason} if reason else {}))
    enqueue_job_after_commit("certificates.batch", job)
    return job


def result_file(job: Job) -> Path | None:
    """The finished batch's file, when there is one."""
    if job.result_path is None:
        return None
    path = Path(current_app.instance_path) / job.result_path
    return path if path.is_file() else None


def _chunks(ids: list[int]) -> Iterator[list[Counselor]]:
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        rows = {c.id: c for c in db.session.scalars(select(Counselor).where(Counselor.id.in_(part)))}
        yield [rows[i] for i in part if i in rows]


def build_batch(job: Job, progress: Callable[[], None] = lambda: None) -> None:
    """Render the job's certificates into instance/certificates/<job id>.pdf|zip, reporting progress.

    Idempotent: a finished job is left as it is; a rerun rewrites the file from the start. The file appears
    under its final name only when complete. `progress` is called after each chunk (the task commits there).
    """
    if job.state is JobState.SUCCEEDED and result_file(job) is not None:
        return
    actor = job.actor
    if actor is None or not actor.is_enabled:
        raise NotAllowed(_("发起批量打印的账户已停用"))
    fmt = job.params.get("format", "pdf")
    ids = list(db.session.scalars(batch_query(actor, filters_from_params(job.params.get("filters", {})))
                                  .with_only_columns(Counselor.id)))
    job.state, job.total, job.processed, job.errors = JobState.RUNNING, len(ids), 0, []
    job.heartbeat_at = utcnow()
    progress()
    folder = Path(current_app.instance_path) / "certificates"
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{job.id}.{fmt}"
    partial = folder / f"{job.id}.{fmt}.part"
    try:
        with partial.open("wb") as target:
            if fmt == "zip":
                _write_zip(target, job, ids, progress)
            else:
                _write_pdf(target, job, ids, progress)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    job.result_path = f"certificates/{final.name}"
    job.state, job.finished_at = JobState.SUCCEEDED, utcnow()
    job.summary = {"certificates": job.processed, "format": fmt}


def _advance(job: Job, count: int, progress: Callable[[], None]) -> None:
    job.processed += count
    job.heartbeat_at = utcnow()
    progress()


def _write_pdf(target, job: Job, ids: list[int], progress: Callable[[], None]) -> None:
    canvas = new_canvas(target, _("聘任证书"))
    for counselors in _chunks(ids):
        for counselor in counselors:
            draw_certificate(canvas, CertificateData.of(counselor))
        _advance(job, len(counselors), progress)
    canvas.save()


def _write_zip(target, job: Job, ids: list[int], progress: Callable[[], None]) -> None:
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for counselors in _chunks(ids):
            for counselor in counselors:
                archive.writestr(download_name(counselor), render_pdf([CertificateData.of(counselor)]))
            _advance(job, len(counselors), progress)


def fail_batch(job: Job, message: str) -> None:
    job.state, job.finished_at = JobState.FAILED, utcnow()
    job.errors = [{"row": None, "column": None, "message": message}]


# --- public verification --------------------------------------------------------------------------------------

SUPERSEDED = "superseded"


@dataclass
class Verification:
    """What the public may learn about a certificate number: no personal data beyond a masked name."""

    certificate_no: str
    valid: bool
    status: str
    status_label: str
    note: str
    name: str
    department: str
    level: str
    level_label: str
    term_start: date | None
    term_end: date | None

    def as_json(self) -> dict:
        return {"certificate_no": self.certificate_no, "valid": self.valid, "status": self.status,
                "name": self.name, "department": self.department, "level": self.level,
                "term_start": self.term_start, "term_end": self.term_end}


def verify(certificate_no: str, today: date | None = None) -> Verification | None:
    """Look a certificate number up: the current one of a counselor, or one replaced by a renewal."""
    number = normalize_number(certificate_no)
    if not number or len(number) > 32:
        return None
    today = today or local_today()
    counselor = db.session.scalar(select(Counselor).where(Counselor.certificate_no == number))
    if counselor is not None:
        valid, note = _validity(counselor, today)
        return _verification(counselor, number, valid, counselor.status.value,
                             str(STATUS_LABELS[counselor.status]), note, counselor.appointed_on, counselor.term_end)
    event = _replacing_event(number)
    if event is None:
        return None
    old_end = (event.changes.get("term_end") or [None])[0]
    return _verification(event.counselor, number, False, SUPERSEDED, _("已被新证书替代"),
                         _("该证书已因续聘被新证书替代，请以新证书为准"), None,
                         date.fromisoformat(old_end) if old_end else None)


def _validity(counselor: Counselor, today: date) -> tuple[bool, str]:
    if counselor.status is CounselorStatus.SUSPENDED:
        return False, _("该辅导员已被暂停聘任")
    if counselor.status is CounselorStatus.EXPIRED or (counselor.status is CounselorStatus.APPOINTED
                                                       and today > counselor.term_end):
        return False, _("聘期已结束")
    if counselor.status is CounselorStatus.TRANSFERRED_OUT:
        return False, _("该辅导员已调出名录库")
    if counselor.status is CounselorStatus.STRUCK_OFF:
        return False, _("该辅导员已被除名")
    if today < counselor.appointed_on:
        if _renewed_from_current_term(counselor):
            # Renewed before the old term ended: the new term follows on, and the old number is superseded.
            return True, _("证书有效：已续聘，新聘期自%(date)s起", date=chinese_date(counselor.appointed_on))
        return False, _("聘期尚未开始")
    return True, _("证书有效，辅导员在聘")


def _renewed_from_current_term(counselor: Counselor) -> bool:
    event = db.session.scalar(select(CounselorEvent).where(CounselorEvent.counselor_id == counselor.id,
                                                           CounselorEvent.action == "renew")
                              .order_by(CounselorEvent.id.desc()).limit(1))
    change = (event.changes or {}).get("certificate_no") if event is not None else None
    return isinstance(change, list) and len(change) == 2 and change[1] == counselor.certificate_no


def _replacing_event(number: str) -> CounselorEvent | None:
    # Old numbers live only in the history (changes["certificate_no"] = [old, new]); a text match narrows
    # the rows portably (SQLite and PostgreSQL) and the exact comparison is made here.
    candidates = db.session.scalars(
        select(CounselorEvent).where(cast(CounselorEvent.changes, String).contains(number, autoescape=True))
        .order_by(CounselorEvent.id.desc()).limit(20))
    for event in candidates:
        change = (event.changes or {}).get("certificate_no")
        if isinstance(change, list) and len(change) == 2 and change[0] == number and change[1] != number:
            return event
    return None


def _verification(counselor: Counselor, number: str, valid: bool, status: str, status_label: str, note: str,
                  term_start: date | None, term_end: date | None) -> Verification:
    department = counselor.department
    return Verification(certificate_no=number, valid=valid, status=status, status_label=status_label, note=note,
                        name=mask_name(counselor.name), department=department.name, level=department.level.value,
                        level_label=level_label(department.level), term_start=term_start, term_end=term_end)
