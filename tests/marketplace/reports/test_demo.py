"""The demo's work reports: 正定县 accepted by 石家庄市, 行唐县 returned, 河北省 accepted by the ministry with a
published typical case, 石家庄市 overdue in 河北省's overview; made once."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.demo.services import seed_demo
from marketplace.reports import services
from marketplace.reports.models import PeriodKind, ReportState, WorkReport


def test_demo_reports(db, client, demo):
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(WorkReport))
    seed_demo()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(WorkReport)) == count == 4
    draft = db.session.scalar(select(WorkReport).where(WorkReport.state == ReportState.DRAFT))
    assert draft.cases and draft.cases[0].photos and draft.attachments
    states = {(r.department.region_code, r.period_kind): r.state for r in db.session.scalars(select(WorkReport))}
    assert states[("130123", PeriodKind.YEAR)] is ReportState.ACCEPTED
    assert states[("130125", PeriodKind.YEAR)] is ReportState.RETURNED
    assert states[("130000", PeriodKind.YEAR)] is ReportState.ACCEPTED
    assert states[("130123", PeriodKind.QUARTER)] is ReportState.DRAFT
    published = db.session.scalars(services.published_cases()).all()
    assert len(published) == 1 and published[0].photos
    assert published[0].report.department.region_code == "130000"
    province = db.session.scalar(select(User).where(User.username == "hebei"))
    rows = {row.region.code: row for row in services.overview(province, PeriodKind.YEAR, 2025, 1)}
    assert rows["130100"].overdue and rows["130600"].overdue
    page = client.get("/cases/")
    assert page.status_code == 200 and "红枣合作社走上规范经营之路" in page.get_data(as_text=True)
