"""What officials see on the dashboards, the xlsx export, and the reports' contents (text extracted back)."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.timeutil import local_today
from tests.conftest import text_of as visible_text
from tests.pdfcheck import font_problems


def test_national_dashboard_ranks_provinces_with_targets(client, login, world, spread):
    login(world["national"])
    page = client.get("/oversight/")
    text = visible_text(page)
    assert page.status_code == 200
    assert "全国工作进展" in text or "工作进展" in text
    assert "7 / 30000" in text  # counselors against the national target
    assert "统计数据更新于" in text
    html = page.get_data(as_text=True)
    assert 'href="/oversight/?region=130000"' in html and 'vendor/echarts/echarts.min.js' in html
    assert "<script>" not in html  # no inline scripts (CSP)
    rows = re.findall(r'<a href="/oversight/\?region=(\d+)">', html)
    assert rows[0] == "130000"  # Hebei has the most counselors


def test_province_and_county_drill_down(client, login, world, spread):
    login(world["province"])
    text = visible_text(client.get("/oversight/?region=130000"))
    assert "6 / 1000" in text and "石家庄市" in text
    text = visible_text(client.get("/oversight/?region=130123"))
    assert "正定县工作进展" in text and "4" in text
    assert "河北省" in text  # breadcrumbs back up to the official's own level


def test_county_official_cannot_look_up_or_sideways(client, login, world, spread):
    login(world["county"])
    assert client.get("/oversight/").status_code == 200
    assert client.get("/oversight/?region=130000").status_code == 404
    assert client.get("/oversight/?region=130125").status_code == 404


def test_dashboard_answers_in_a_fixed_number_of_queries(client, login, world, spread, query_counter):
    login(world["national"])
    client.get("/oversight/")
    with query_counter() as queries:
        client.get("/oversight/")
    assert len(queries) <= 8


def test_export_holds_every_table(client, login, world, spread):
    login(world["province"])
    response = client.get("/oversight/export.xlsx?region=130000")
    wb = load_workbook(io.BytesIO(response.data))
    assert {"概况", "下级地区", "按业务专长", "需求对接漏斗", "满意度趋势"} <= set(wb.sheetnames)
    overview = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True)}
    assert overview["名录库辅导员（在聘、暂停）"] == 6 and overview["辅导员目标"] == 1000
    funnel = dict(wb["需求对接漏斗"].iter_rows(min_row=2, values_only=True))
    assert funnel == {"发布需求": 3, "已对接": 2, "已签协议": 3, "已验收": 2}


def test_report_is_built_in_the_background_with_both_files(client, login, world, spread):
    login(world["province"])
    today = local_today()
    response = client.post("/oversight/reports", data={"region": "130000", "start": f"{today.year - 1}-01-01",
                                                        "end": today.isoformat()})
    assert response.status_code == 302
    job = db.session.query(Job).filter_by(kind="oversight_report").one()
    assert job.state is JobState.SUCCEEDED and job.processed == job.total
    page = client.get(f"/oversight/reports/{job.id}")
    assert "下载 PDF" in visible_text(page) and "河北省" in visible_text(page)
    pdf = client.get(f"/oversight/reports/{job.id}/download.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "河北省“千员带万社”工作进展报告" in text
    assert "期间签订协议" in text and "名录库辅导员（在聘、暂停）" in text and "石家庄市" in text
    assert "需求对接漏斗" in text
    assert font_problems(pdf.data) == []
    xlsx = client.get(f"/oversight/reports/{job.id}/download.xlsx")
    wb = load_workbook(io.BytesIO(xlsx.data))
    period = dict(wb["期间数据"].iter_rows(values_only=True))
    assert period["期间签订协议"] == 3 and period["期间通过验收"] == 2 and period["期间服务主体数"] == 2
    assert period["期间平均满意度"] == 4.0


def test_report_refuses_a_bad_period(client, login, world, spread):
    login(world["county"])
    response = client.post("/oversight/reports", data={"region": "130123", "start": "2026-06-01",
                                                        "end": "2026-01-01"}, follow_redirects=True)
    assert "结束日期不能早于开始日期" in visible_text(response)
    assert db.session.query(Job).filter_by(kind="oversight_report").count() == 0


def test_report_outside_the_jurisdiction_is_404(client, login, world):
    login(world["county"])
    response = client.post("/oversight/reports", data={"region": "130125", "start": "2026-01-01",
                                                        "end": "2026-06-30"})
    assert response.status_code == 404


def test_refresh_on_demand_recomputes_once_a_minute(client, login, world, spread):
    from marketplace.oversight.models import RegionStat
    from tests.marketplace.needs.helpers import make_counselor

    make_counselor(world["county"])
    login(world["county"])
    response = client.post("/oversight/refresh", follow_redirects=True)
    assert "统计数据刚刚更新过" in visible_text(response)  # the fixture refreshed a moment ago
    root = db.session.get(RegionStat, "000000")
    root.refreshed_at = root.refreshed_at.replace(year=2020)
    db.session.commit()
    response = client.post("/oversight/refresh", follow_redirects=True)
    assert "已请求刷新统计数据" in visible_text(response)
    db.session.expire_all()
    assert db.session.get(RegionStat, "130123").stats["counselors"] == 5  # the eager task ran
