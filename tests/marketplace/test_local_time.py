"""Times and dates people read are China's (Asia/Shanghai), whatever the server's zone: at 17:30 UTC on
31 December it is already 1 January 01:30 in China."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from marketplace.jobs.models import Job
from marketplace.oversight import services as oversight
from marketplace.timeutil import format_local, local_today
from tests.conftest import text_of
from tests.marketplace.directory.certificate_helpers import appoint
from tests.webpages import form_to

NEW_YEAR_IN_CHINA = datetime(2026, 12, 31, 17, 30, tzinfo=UTC)


def test_local_today_and_format_local():
    with time_machine.travel(NEW_YEAR_IN_CHINA, tick=False):
        assert local_today() == date(2027, 1, 1)
    assert format_local(NEW_YEAR_IN_CHINA) == "2027-01-01 01:30" and format_local(None) == "—"


def test_verification_page_dates_in_china(world, client):
    counselor = appoint(world["county"], appointed_on=date(2025, 1, 1))
    with time_machine.travel(NEW_YEAR_IN_CHINA, tick=False):
        text = text_of(client.get(f"/verify/{counselor.certificate_no}"))
    assert "核验日期：2027年1月1日" in text


def test_report_period_header_and_workbook_in_china(pages, world, db):
    with time_machine.travel(NEW_YEAR_IN_CHINA, tick=False):
        oversight.refresh_rollups()
        db.session.commit()
        pages.sign_in(world["province"])
        dashboard = pages.get("/oversight/?region=130000")
        form = form_to(dashboard, "/oversight/reports")
        assert (form["start"].value, form["end"].value) == ("2027-01-01", "2027-01-01")  # this year, in China
        form.submit()
        job = db.session.query(Job).filter_by(kind="oversight_report").one()
        pdf = pages.get(f"/oversight/reports/{job.id}/download.pdf").body
        header = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
        assert "2027-01-01至2027-01-01" in header and "更新于2027-01-0101:30（北京时间）" in header
        assert "UTC" not in header
        assert "生成日期：2027-01-01" in header
        workbook = load_workbook(io.BytesIO(pages.get("/oversight/export.xlsx?region=130000").body))
        overview = {row[0]: row[1] for row in workbook["概况"].iter_rows(values_only=True)}
        assert overview["数据更新时间"].startswith("2027-01-01 01:30") and "UTC" not in overview["数据更新时间"]


def test_the_datetime_filter_writes_what_flask_babel_wrote(app):
    """`|datetime` formats a stored time itself (marketplace/templating.py): the same text as Flask-Babel's
    "yyyy-MM-dd HH:mm" in China's time, for aware and naive (UTC) times, the day's edge and a plain date."""
    from flask_babel import format_datetime

    values = [NEW_YEAR_IN_CHINA, NEW_YEAR_IN_CHINA.replace(tzinfo=None), datetime(2026, 6, 30, 15, 59, 59, tzinfo=UTC),
              datetime(2026, 6, 30, 16, 0, tzinfo=UTC), date(2026, 3, 1)]
    with app.test_request_context():
        render = app.jinja_env.filters["datetime"]
        assert [render(v) for v in values] == [format_datetime(v, "yyyy-MM-dd HH:mm") for v in values]
        assert render(NEW_YEAR_IN_CHINA) == "2027-01-01 01:30"
        assert render(None) == "" and render("") == ""
