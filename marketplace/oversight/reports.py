"""Progress reports for a jurisdiction and period (for reporting upward): figures, tables and charts as xlsx
and as a Chinese PDF, built in the background; and the dashboard's own xlsx export."""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import DateField, HiddenField
from wtforms.validators import DataRequired

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement
from marketplace.audit.services import record
from marketplace.background import enqueue_job_after_commit
from marketplace.directory.models import Counselor
from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.imports.reader import safe_cell as formula_safe
from marketplace.jobs.models import Job, JobState
from marketplace.jurisdiction import in_region, region_in_jurisdiction
from marketplace.needs.models import Need
from marketplace.oversight import services
from marketplace.pdffonts import register_cjk_font
from marketplace.regions.models import Region
from marketplace.timeutil import LOCAL_ZONE, format_local, local_today, utcnow

JOB_KIND = "oversight_report"
STEPS = 4


class ReportForm(FlaskForm):
    region = HiddenField(validators=[DataRequired(message=_l("请选择地区"))])
    start = DateField(_l("开始日期"), default=lambda: date(local_today().year, 1, 1),
                      validators=[DataRequired(message=_l("请填写开始日期"))])
    end = DateField(_l("结束日期"), default=local_today, validators=[DataRequired(message=_l("请填写结束日期"))])


def start_report(actor: User, region_code: str, start: date, end: date) -> Job:
    if not actor.is_official or not region_in_jurisdiction(region_code, actor):
        raise NotAllowed(_("只能生成本辖区的工作进展报告"))
    if end < start:
        raise DomainError(_("结束日期不能早于开始日期"), field="end")
    job = Job(kind=JOB_KIND, actor_id=actor.id, region_code=region_code, total=STEPS, state=JobState.PENDING,
              params={"region": region_code, "start": start.isoformat(), "end": end.isoformat()})
    db.session.add(job)
    db.session.flush()
    record(actor, "oversight.report", job, region_code=region_code, start=start.isoformat(), end=end.isoformat())
    enqueue_job_after_commit("oversight.build_report", job)
    return job


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The period's first and last days as calendar days in China."""
    return (datetime.combine(start, time(), tzinfo=LOCAL_ZONE),
            datetime.combine(date.fromordinal(end.toordinal() + 1), time(), tzinfo=LOCAL_ZONE))


def period_figures(region: Region, start: date, end: date) -> list[tuple[str, float | str]]:
    """Figures of the period computed directly (a report is built in the background, so no roll-up needed)."""
    low, high = _bounds(start, end)

    def count(query) -> int:
        return db.session.scalar(query) or 0

    a = Agreement
    rated = db.session.execute(select(func.avg(a.satisfaction), func.count(a.satisfaction)).where(
        in_region(a.region_code, region.code), a.rated_at >= low, a.rated_at < high,
        a.satisfaction.is_not(None))).one()
    return [
        (_("期间新聘辅导员"), count(select(func.count()).select_from(Counselor).where(
            in_region(Counselor.department_region_code, region.code), Counselor.appointed_on >= start,
            Counselor.appointed_on <= end))),
        (_("期间发布需求"), count(select(func.count()).select_from(Need).where(
            in_region(Need.region_code, region.code), Need.opened_at >= low, Need.opened_at < high))),
        (_("期间签订协议"), count(select(func.count()).select_from(a).where(
            in_region(a.region_code, region.code), a.signed_at >= low, a.signed_at < high))),
        (_("期间通过验收"), count(select(func.count()).select_from(a).where(
            in_region(a.region_code, region.code), a.accepted_at >= low, a.accepted_at < high))),
        (_("期间服务主体数"), count(select(func.count(func.distinct(a.entity_id))).where(
            in_region(a.region_code, region.code), a.signed_at >= low, a.signed_at < high))),
        (_("期间平均满意度"), round(float(rated[0]), 2) if rated[0] is not None else "—"),
        (_("期间评价次数"), rated[1]),
    ]


def current_figures(board: services.Dashboard) -> list[tuple[str, float | str]]:
    targets = board.targets
    rows = [(_("名录库辅导员（在聘、暂停）"), board.value("counselors")),
            (_("辅导员目标"), targets.get("counselors", "—")),
            (_("服务过的经营主体"), board.value("served")),
            (_("服务主体目标"), targets.get("served", "—")),
            (_("已备案服务中心"), board.value("centers")),
            (_("登记的经营主体"), board.value("entities")),
            (_("超期未对接需求"), board.value("stale_needs")),
            (_("平均满意度"), board.satisfaction if board.satisfaction is not None else "—"),
            (_("年度更新已确认部门"), f"{board.value('depts_confirmed')} / {board.value('depts')}")]
    return rows


def children_table(board: services.Dashboard) -> tuple[list[str], list[list]]:
    header = [_("地区"), _("辅导员"), _("目标"), _("完成率"), _("服务主体"), _("服务中心"), _("需求"), _("已验收"),
              _("满意度"), _("年度更新")]
    target = services.targets_for(board.children[0][0]).get("counselors") if board.children else None
    rows = []
    for child, stats in board.children:
        n = stats.get("sat_n", 0)
        rows.append([child.name, stats.get("counselors", 0), target or "—",
                     services.progress(stats.get("counselors", 0), target) or "—", stats.get("served", 0),
                     stats.get("centers", 0), stats.get("needs", 0), stats.get("accepted", 0),
                     round(stats.get("sat_sum", 0) / n, 2) if n else "—",
                     f"{stats.get('depts_confirmed', 0)}/{stats.get('depts', 0)}"])
    return header, rows


BREAKDOWNS = [("specialty", _l("按业务专长")), ("industry", _l("按产业领域")), ("source", _l("按选聘来源")),
              ("work_mode", _l("按工作模式")), ("funnel", _l("需求对接漏斗")), ("gaps", _l("无该专长辅导员的县数"))]


def dashboard_workbook(board: services.Dashboard, period: list | None = None) -> bytes:
    """Every table of the dashboard (and a report's period figures) as sheets of one xlsx."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet(_("概况"))
    sheet.append([_("地区"), board.region.full_name])
    sheet.append([_("数据更新时间"), _("%(when)s（北京时间）", when=format_local(board.refreshed_at))
                   if board.refreshed_at else "—"])
    for label, value in current_figures(board):
        sheet.append([label, value])
    if period:
        sheet = wb.create_sheet(_("期间数据"))
        for label, value in period:
            sheet.append([label, value])
    header, rows = children_table(board)
    sheet = wb.create_sheet(_("下级地区"))
    sheet.append(header)
    for row in rows:
        sheet.append([formula_safe(v, sheet) for v in row])
    for name, title in BREAKDOWNS:
        sheet = wb.create_sheet(str(title))
        sheet.append([_("类别"), _("数量")])
        for label, value in board.table(name):
            sheet.append([label, value])
    sheet = wb.create_sheet(_("满意度趋势"))
    sheet.append([_("月份"), _("平均满意度"), _("评价次数")])
    for month, mean, n in board.months():
        sheet.append([month, mean if mean is not None else "—", n])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _folder() -> Path:
    path = Path(current_app.instance_path) / "reports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def result_file(job: Job, fmt: str) -> Path | None:
    path = _folder() / f"{job.id}.{fmt}"
    return path if path.is_file() else None


def download_name(job: Job, fmt: str) -> str:
    region = db.session.get(Region, job.params["region"])
    name = region.name if region else job.params["region"]
    return f"工作进展报告-{name}-{job.params['start']}至{job.params['end']}.{fmt}"


def build(job: Job, progress: Callable[[], None] = lambda: None) -> None:
    """Build the report's xlsx and PDF under instance/reports/<job id>.(xlsx|pdf). Idempotent: a rerun
    rewrites both; each file appears under its final name only when complete."""
    region = db.session.get(Region, job.params["region"])
    start, end = date.fromisoformat(job.params["start"]), date.fromisoformat(job.params["end"])
    job.state, job.processed, job.total, job.heartbeat_at = JobState.RUNNING, 0, STEPS, utcnow()
    progress()
    board = services.dashboard(region)
    period = period_figures(region, start, end)
    _step(job, progress)
    _write(_folder() / f"{job.id}.xlsx", dashboard_workbook(board, period))
    _step(job, progress)
    _write(_folder() / f"{job.id}.pdf", render_pdf(board, period, start, end))
    _step(job, progress)
    job.state, job.finished_at, job.processed = JobState.SUCCEEDED, utcnow(), STEPS
    job.summary = {"region": region.code, "start": start.isoformat(), "end": end.isoformat()}


def _step(job: Job, progress: Callable[[], None]) -> None:
    job.processed += 1
    job.heartbeat_at = utcnow()
    progress()


def _write(path: Path, data: bytes) -> None:
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


def render_pdf(board: services.Dashboard, period: list, start: date, end: date) -> bytes:
    """The report as an A4 PDF in Chinese: title, period figures, current figures against targets, the level
    below as a ranked table, a bar chart of counselors by specialty and the fulfilment funnel."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_cjk_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=6)
    h2 = ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=14)
    table_style = TableStyle([("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 9),
                              ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                              ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f3ec"))])

    def table(header, rows, widths=None):
        t = Table([header] + [[str(v) for v in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(table_style)
        return t

    def bars(rows, title):
        drawing = Drawing(170 * mm, 12 * mm + 7 * mm * len(rows))
        chart = HorizontalBarChart()
        chart.x, chart.y, chart.width, chart.height = 45 * mm, 5 * mm, 115 * mm, 7 * mm * len(rows)
        chart.data = [[float(v) for _label, v in reversed(rows)]]
        chart.categoryAxis.categoryNames = [label for label, _v in reversed(rows)]
        chart.categoryAxis.labels.fontName = font
        chart.valueAxis.labels.fontName = font
        chart.valueAxis.valueMin = 0
        top = max([float(v) for _label, v in rows] + [1.0])
        chart.valueAxis.valueStep = max(1, int(top // 5) or 1)  # counts: whole-number ticks
        chart.bars[0].fillColor = colors.HexColor("#198754")
        drawing.add(chart)
        drawing.add(String(0, drawing.height - 4 * mm, title, fontName=font, fontSize=10))
        return drawing

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=_("%(region)s工作进展报告", region=board.region.full_name),
                            author="Fudao")
    refreshed = format_local(board.refreshed_at)
    story = [
        Paragraph(_("%(region)s“千员带万社”工作进展报告", region=board.region.full_name), title_style),
        Paragraph(_("报告期间：%(start)s 至 %(end)s；现状数据更新于 %(when)s（北京时间）；生成日期：%(today)s",
                    start=start.isoformat(), end=end.isoformat(), when=refreshed,
                    today=local_today().isoformat()), body),
        Paragraph(_("一、期间工作数据"), h2), table([_("指标"), _("数值")], period, [90 * mm, 60 * mm]),
        Paragraph(_("二、现状与目标"), h2), table([_("指标"), _("数值")], current_figures(board),
                                                 [90 * mm, 60 * mm]),
    ]
    header, rows = children_table(board)
    if rows:
        story += [Paragraph(_("三、下级地区排名（按辅导员人数）"), h2), table(header, rows)]
    story += [Paragraph(_("四、辅导员结构与服务对接"), h2), bars(board.table("specialty"), _("按业务专长（人）")),
              Spacer(1, 4 * mm), bars(board.table("funnel"), _("需求对接漏斗（件）")),
              Paragraph(_("五、覆盖缺口（共 %(n)s 个县）", n=board.value("counties")), h2),
              table([_("专长"), _("无该专长辅导员的县数")], board.table("gaps"), [90 * mm, 60 * mm])]
    doc.build(story)
    return buffer.getvalue()
