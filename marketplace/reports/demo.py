"""Demo work reports for 2025: 正定县's annual report accepted by 石家庄市 (with a typical case and a photo),
行唐县's returned for revision, 河北省's accepted by the ministry with a typical case published on the public
典型案例 page; 石家庄市 and 保定市 have not reported (overdue in 河北省's overview); and 正定县's draft for the
last quarter ended."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from PIL import Image, ImageDraw
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement
from marketplace.extensions import db
from marketplace.jurisdiction import in_region
from marketplace.notifications.models import Notification
from marketplace.reports import services
from marketplace.reports.models import PeriodKind, WorkReport
from marketplace.timeutil import utcnow


def _official(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _accepted_in(region_code: str, year: int = 2025) -> Agreement | None:
    return db.session.scalar(select(Agreement).where(
        in_region(Agreement.region_code, region_code), Agreement.accepted_at >= datetime(year, 1, 1, tzinfo=UTC),
        Agreement.accepted_at < datetime(year + 1, 1, 1, tzinfo=UTC)).order_by(Agreement.accepted_at, Agreement.id))


def _photo(seed: int) -> io.BytesIO:
    """A drawn picture of fields and a greenhouse (the demo has no real photos)."""
    image = Image.new("RGB", (1200, 800), (186, 222, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 420, 1200, 800), fill=(96, 160, 70))
    for row in range(8):
        y = 440 + row * 45
        draw.line((0, y, 1200, y + 20 * (row % 3)), fill=(70, 130 + 8 * seed, 50), width=6)
    draw.polygon([(180, 420), (520, 420), (470, 300), (230, 300)], fill=(235, 240, 245), outline=(150, 160, 170))
    draw.ellipse((950, 70, 1070, 190), fill=(255, 214, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    out.seek(0)
    return out


def _pdf(title: str) -> io.BytesIO:
    """A one-page PDF attachment (the CJK font of the platform's certificates)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from marketplace.pdffonts import register_cjk_font

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4)
    page.setFont(register_cjk_font(), 16)
    page.drawString(72, 760, title)
    page.save()
    out.seek(0)
    return out


def _sent(report: WorkReport, official: User, submitted: datetime) -> None:
    services.transition(report, "submit", official)
    report.submitted_at = report.figures_at = submitted


def _decided(report: WorkReport, action: str, reviewer: User, decided: datetime, reason: str = "") -> None:
    services.transition(report, action, reviewer, reason)
    report.decided_at = decided
    for remark in report.comments:
        remark.created_at = decided


def seed_reports_demo() -> None:
    if db.session.scalar(select(WorkReport.id).limit(1)) is not None:
        return
    zhengding, xingtang, city = _official("zhengding"), _official("xingtang"), _official("shijiazhuang")
    province, ministry = _official("hebei"), _official("admin")
    if None in (zhengding, xingtang, city, province, ministry):
        return

    report = services.create_report(zhengding, services.ReportInput(
        PeriodKind.YEAR, 2025, 1,
        practices="2025 年全县按“县聘乡用”方式聘任辅导员，覆盖全部乡镇；围绕合作社财务规范化、农产品营销两项重点，"
                  "组织辅导员上门辅导，服务协议全部在平台签订、记录和验收。\n"
                  "举办合作社财务规范化培训 1 期，参训辅导员按学时登记。",
        problems="部分乡镇辅导员兼职较多，服务时间难以保证；家庭农场主动提出需求的仍然偏少。",
        suggestions="建议市级统筹安排电商营销专题培训，并对服务满意度高的辅导员给予表扬。"))
    agreement = _accepted_in("130123")
    if agreement is not None:
        case = services.add_case(report, agreement.id, "账簿理清了，分红更有底气",
                                 "辅导员按服务协议每月上门，帮助合作社建立会计账簿和成员账户，完成年度财务公开。"
                                 "合作社按交易量返还盈余，成员对分配方案的认可度明显提高，验收时给予满意评价。",
                                 zhengding)
        services.add_photo(case, _photo(1), "合作社种植基地", zhengding)
    services.add_attachment(report, _pdf("正定县2025年辅导员工作总结"), "正定县2025年辅导员工作总结.pdf", zhengding)
    _sent(report, zhengding, datetime(2026, 1, 20, 2, tzinfo=UTC))
    _decided(report, "accept", city, datetime(2026, 1, 26, 3, tzinfo=UTC))
    services.comment(report, "做法清楚、数据完整，典型案例已汇总到市级报告素材。", city)
    report.comments[-1].created_at = datetime(2026, 1, 26, 3, 5, tzinfo=UTC)

    returned = services.create_report(xingtang, services.ReportInput(
        PeriodKind.YEAR, 2025, 1, practices="全年辅导员开展大枣、红薯种植技术和合作社规范化辅导。",
        problems="辅导员数量不足。", suggestions=""))
    _sent(returned, xingtang, datetime(2026, 1, 29, 6, tzinfo=UTC))
    _decided(returned, "return", city, datetime(2026, 2, 3, 2, tzinfo=UTC),
             "请补充服务主体数量和满意度情况的分析，并至少提供一个典型案例后重新报送。")

    hebei = services.create_report(province, services.ReportInput(
        PeriodKind.YEAR, 2025, 1,
        practices="全省推进“千员带万社”行动，辅导员名录库全部在平台维护，年度更新按期完成；"
                  "各市县以服务协议为抓手，需求发布、对接、验收全程留痕。",
        problems="市县之间辅导员分布不均，部分县专长覆盖不全。",
        suggestions="建议部里统一辅导员岗位培训课程，并将典型案例汇编推广。"))
    agreement = _accepted_in("130125") or _accepted_in("130000")
    if agreement is not None:
        case = services.add_case(hebei, agreement.id, "红枣合作社走上规范经营之路",
                                 "辅导员与合作社签订服务协议，从章程修订、成员大会到财务公开逐项辅导，"
                                 "帮助合作社对接销售渠道。服务按协议验收，合作社成员收入稳步增长，"
                                 "这一做法已在县内其他合作社推广。", province)
        services.add_photo(case, _photo(2), "红枣种植基地", province)
        other = _accepted_in("130123")
        if other is not None:
            services.add_case(hebei, other.id, "规范账簿带动成员增收",
                              "县级辅导员按协议上门指导合作社建账和财务公开，成员分配更加透明。", province)
        _sent(hebei, province, datetime(2026, 2, 10, 2, tzinfo=UTC))
        _decided(hebei, "accept", ministry, datetime(2026, 2, 20, 2, tzinfo=UTC))
        services.set_published(case, True, ministry)
        case.published_at = datetime(2026, 2, 21, 2, tzinfo=UTC)

    kind_year, number = services.last_ended(PeriodKind.QUARTER)
    quarter = services.create_report(zhengding, services.ReportInput(
        PeriodKind.QUARTER, kind_year, number, practices="本季度辅导员服务情况（草稿）。"))
    agreement = _accepted_in("130123", kind_year) or _accepted_in("130123")
    if agreement is not None:
        case = services.add_case(quarter, agreement.id, "（草稿）本季度典型案例", "待补充。", zhengding)
        services.add_photo(case, _photo(3), "服务现场", zhengding)
    services.add_attachment(quarter, _pdf("季度工作要点"), "季度工作要点.pdf", zhengding)
    # Decisions of last winter were read at the time; 行唐县's return stays unread in its inbox.
    db.session.execute(update(Notification).where(Notification.link.like("/reports/%"),
                                                  Notification.link != f"/reports/{returned.id}",
                                                  Notification.read_at.is_(None)).values(read_at=utcnow()))
