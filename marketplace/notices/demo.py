"""Demo notices: a believable 2025 from the province, the city and two counties (one public, with an
attachment), delivered to their recipients, read by some; one withdrawn; and a draft of the county's."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.notices import services
from marketplace.notices.models import Notice, NoticeReceipt, RecipientKind
from marketplace.notifications.models import Notification

K = RecipientKind
# (publisher, title, body, kinds, public, published at (UTC), readers (usernames), withdrawn reason)
NOTICES = [
    ("hebei", "关于做好2025年度新型农业经营主体辅导员名录信息更新工作的通知",
     "各市农业农村局：\n按照《新型农业经营主体辅导员工作规程》，请组织辖区内辅导员于6月30日前完成上年度信息入库和数据维护更新，"
     "重点核对业务专长、服务区域和联系方式。\n各市请于7月10日前报送更新情况。",
     [K.OFFICIAL, K.COUNSELOR], True, datetime(2025, 3, 3, 2, 0, tzinfo=UTC),
     {"shijiazhuang", "baoding", "zhengding", "fdy_liu", "fdy_zhou"}, None),
    ("shijiazhuang", "关于开展2025年“千员带万社”秋季服务对接活动的通知",
     "各县（市、区）农业农村局、各服务中心：\n9月至11月在全市开展秋季服务对接，辅导员围绕秋收秋种、农产品销售和财务规范开展上门辅导，"
     "服务中心公开服务项目与价格。活动方案见附件。",
     [K.OFFICIAL, K.COUNSELOR, K.CENTER, K.OPERATOR], True, datetime(2025, 8, 25, 1, 30, tzinfo=UTC),
     {"zhengding", "fdy_liu", "coop_zhengding", "center_zhengding"}, None),
    ("zhengding", "关于报送2025年服务协议及服务记录台账的通知",
     "各辅导员、服务中心：\n请于12月15日前在平台核对本年度签订的服务协议和服务记录，未上传验收材料的请及时补充。",
     [K.COUNSELOR, K.CENTER], False, datetime(2025, 11, 20, 3, 0, tzinfo=UTC), {"fdy_chen"}, None),
    ("zhengding", "关于组织合作社参加财务规范化培训的通知（已撤回）",
     "各合作社：培训时间调整，另行通知。", [K.OPERATOR], False, datetime(2025, 4, 1, 2, 0, tzinfo=UTC),
     set(), "培训时间调整，已另发培训通知"),
    ("xingtang", "关于申报2025年县级示范家庭农场的通知",
     "各家庭农场：\n符合条件的家庭农场请于10月31日前向所在乡镇提交申报材料，辅导员可协助整理。",
     [K.COUNSELOR, K.OPERATOR], True, datetime(2025, 9, 15, 2, 0, tzinfo=UTC), {"farm_wang"}, None),
]
PLAN = b"%PDF-1.4\n% 2025 qiuji fuwu duijie fang'an\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _deliver(notice: Notice, at: datetime) -> None:
    """Run the fan-out now (the demo needs the receipts); the queued task finds nothing left to do."""
    after = 0
    while True:
        ids = [r.id for r in db.session.execute(services.recipients(notice).where(User.id > after)
                                                .limit(services.BATCH_SIZE)).all()]
        services.fan_out_batch(notice, after)
        if len(ids) < services.BATCH_SIZE:
            break
        after = ids[-1]
    db.session.execute(update(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id).values(delivered_at=at))
    db.session.execute(update(Notification).where(Notification.link == services.link_of(notice))
                       .values(created_at=at))


def seed_notices_demo() -> None:
    if db.session.scalar(select(Notice.id).limit(1)) is not None:
        return
    for username, title, body, kinds, public, at, readers, withdrawn in NOTICES:
        official = _user(username)
        if official is None:
            continue
        notice = services.create_notice(official, services.NoticeInput(title=title, body=body, kinds=kinds,
                                                                       is_public=public))
        if username == "shijiazhuang":
            services.attach(notice, io.BytesIO(PLAN), "2025年秋季服务对接活动方案.pdf", official)
        services.transition(notice, "publish", official)
        notice.published_at = notice.created_at = at
        _deliver(notice, at)
        for reader in filter(None, map(_user, sorted(readers))):
            services.open_notice(reader, notice)
        if withdrawn:
            services.transition(notice, "withdraw", official, withdrawn)
    zhengding = _user("zhengding")
    if zhengding is not None:
        draft = services.create_notice(zhengding, services.NoticeInput(
            title="关于开展2026年度辅导员绩效评价的预通知（草稿）",
            body="各辅导员：2026年1月起开展上年度绩效评价，请提前整理服务记录。", kinds=[K.COUNSELOR]))
        services.attach(draft, io.BytesIO(PLAN), "2026年绩效评价指标（征求意见稿）.pdf", zhengding)
    db.session.flush()
