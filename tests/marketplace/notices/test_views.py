"""Notice pages used as people do (WebTest over the rendered forms): the county drafts a notice, attaches a file
(a wrong one is refused), publishes it; the farm operator finds it in the inbox and the notice list, opens it
(read); the county sees the read count per region and kind; the public page shows it without personal data;
the county withdraws it and the recipient no longer reads the body."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.notices.models import Notice, NoticeAttachment
from tests.marketplace.notices.test_access_notices import PDF
from tests.webpages import Pages


def test_draft_attach_publish_read_count_public_withdraw(pages, world, app):
    county, operator = world["county"], world["operator"]
    pages.sign_in(county)
    page = pages.get("/notices/").click("起草通知")
    form = page.forms["notice-form"]
    form["title"] = "关于做好2025年秋季农业生产服务对接的通知"
    form["body"] = "各合作社、家庭农场：\n请于10月底前在平台提交秋季服务需求。"
    form["kinds"] = ["counselor", "operator"]
    form["is_public"] = True
    shown = form.submit().follow()
    assert "已保存草稿" in shown.text and "草稿" in shown.text
    notice = db.session.scalars(select(Notice)).one()

    # A file whose content is not an allowed type is refused with a message; nothing is stored.
    refused = pages.press(shown, "上传附件", upload_files=[("file", "方案.pdf", b"MZ not a pdf")]).follow()
    assert "只能上传 PDF" in refused.text
    assert db.session.scalar(select(func.count()).select_from(NoticeAttachment)) == 0
    shown = pages.press(refused, "上传附件", upload_files=[("file", "服务对接方案.pdf", PDF)]).follow()
    assert "已添加附件“服务对接方案.pdf”" in shown.text

    shown = pages.press(shown, "发布").follow()
    assert "通知状态：已发布" in shown.text
    assert "撤回" in [Pages.label_of(t) for _f, t in Pages.buttons(shown)]

    # The operator: the inbox message, the notice list (unread), the notice (now read), the file.
    other = Pages(pages.app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    other.sign_in(operator)
    inbox = other.get("/inbox/")
    assert "通知公告：关于做好2025年秋季农业生产服务对接的通知" in inbox.text
    listing = other.get("/notices/")
    assert "未读" in listing.text
    opened = listing.click("关于做好2025年秋季农业生产服务对接的通知")
    assert "请于10月底前在平台提交秋季服务需求" in opened.text and "已读" in opened.text
    assert "撤回" not in [Pages.label_of(t) for _f, t in Pages.buttons(opened)]
    assert "阅读情况" not in opened.text
    download = opened.click("服务对接方案.pdf")
    assert download.body == PDF and download.headers["Content-Disposition"].startswith("attachment")
    assert "已读" in other.get("/notices/").text

    # The county's counts: 1 of 2 (the operator and the counselor: the kinds addressed).
    receipts = pages.get(f"/notices/{notice.id}").click("阅读情况")
    assert "已读 1 / 共 2（50%）" in receipts.text
    assert "辅导员" in receipts.text and "经营主体" in receipts.text

    # The public page, from the anonymous home page: the notice, no names of recipients.
    anonymous = Pages(pages.app, extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    public = anonymous.get("/").click("通知公告").click("关于做好2025年秋季农业生产服务对接的通知")
    assert "请于10月底前" in public.text and operator.display_name not in public.text
    assert anonymous.get(f"/public/notices/{notice.id}").click("服务对接方案.pdf").body == PDF

    # Withdraw needs a reason; then the recipient sees that it was withdrawn, and the public page is gone.
    shown = pages.get(f"/notices/{notice.id}")
    refused = pages.press(shown, "撤回").follow()
    assert "请填写原因" in refused.text
    done = pages.press(refused, "撤回", reason="时间安排调整，另行通知").follow()
    assert "通知状态：已撤回" in done.text
    again = other.get(f"/notices/{notice.id}")
    assert "该通知已由发布部门撤回" in again.text and "请于10月底前" not in again.text
    assert anonymous.get(f"/public/notices/{notice.id}", status=404)


def test_bad_input_shows_messages_and_writes_nothing(pages, world):
    pages.sign_in(world["county"])
    page = pages.get("/notices/new")
    form = page.forms["notice-form"]
    form["title"] = "题" * 121
    answer = form.submit()
    assert answer.status_int == 200
    for message in ("标题最多 120 字", "请填写正文", "请至少选择一类接收对象"):
        assert message in answer.text
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_a_published_notice_can_no_longer_be_edited(pages, world):
    from tests.marketplace.notices.conftest import write

    notice = write(world["county"])
    pages.sign_in(world["county"])
    page = pages.get(f"/notices/{notice.id}/edit").follow()
    assert "不能再修改" in page.text
    assert "notice-form" not in page.forms
