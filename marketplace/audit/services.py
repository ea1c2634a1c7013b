"""Recording the audit log. Every service that writes calls `record` in the same transaction."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db

# Actions, with the Chinese label shown in the log. Areas add theirs here.
ACTION_LABELS = {
    "counselor.search_id_number": _l("按身份证号查询辅导员"),
    "counselor.search_phone": _l("按手机号查询辅导员"), "counselor.confirm_own_data": _l("辅导员确认本人信息为最新"),
    "counselor.record_off_platform": _l("登记平台外服务主体"),
    "counselor.remove_off_platform": _l("删除平台外服务记录"),
    "evaluation.export": _l("导出评价结果"),
    "training.create": _l("安排培训"),
    "training.update": _l("修改培训"),
    "training.complete": _l("结束培训"),
    "training.cancel": _l("取消培训"),
    "training.enroll": _l("培训报名"),
    "training.withdraw": _l("取消培训报名"),
    "training.attendance": _l("登记培训出勤"),
    "award.nominate": _l("起草评优提名"),
    "award.submit": _l("提交评优提名"),
    "award.approve": _l("批准评优提名"),
    "award.return": _l("退回评优提名"),
    "award.withdraw": _l("撤回评优提名"),
    "award.reopen": _l("重新起草评优提名"),
    "notice.create": _l("起草通知"),
    "notice.update": _l("修改通知"),
    "notice.attach": _l("添加通知附件"),
    "notice.detach": _l("删除通知附件"),
    "notice.publish": _l("发布通知"),
    "notice.withdraw": _l("撤回通知"),
    "report.create": _l("起草工作报告"), "report.update": _l("修改工作报告"), "report.submit": _l("报送工作报告"),
    "report.return": _l("退回工作报告"), "report.accept": _l("采纳工作报告"), "report.comment": _l("工作报告留言"),
    "report.add_case": _l("添加典型案例"), "report.remove_case": _l("删除典型案例"),
    "report.add_photo": _l("添加案例照片"), "report.remove_photo": _l("删除案例照片"),
    "report.add_attachment": _l("添加报告附件"), "report.remove_attachment": _l("删除报告附件"),
    "report.publish_case": _l("发布典型案例"), "report.unpublish_case": _l("撤下典型案例"),
    "account.create": _l("创建账户"),
    "account.register": _l("注册账户"),
    "account.disable": _l("停用账户"),
    "account.enable": _l("启用账户"),
    "account.reset_password": _l("重置密码"),
    "account.change_password": _l("修改密码"),
    "account.update": _l("修改账户"),
    "account.view_unmasked": _l("查看完整个人信息"),
    "auth.login": _l("登录"),
    "auth.login_failed": _l("登录失败"),
    "auth.locked": _l("账户锁定"),
    "auth.logout": _l("退出"),
    "auth.token": _l("签发接口令牌"),
    "auth.token_revoke": _l("吊销接口令牌"),
    "auth.throttled": _l("登录受限（多次失败）"),
    "auth.totp_enrol": _l("启用两步验证"),
    "auth.totp_reenrol": _l("重新绑定两步验证"),
    "auth.totp_recovery_codes": _l("重新生成恢复码"),
    "auth.totp_disable": _l("停用两步验证"),
    "auth.totp_failed": _l("两步验证码错误"),
    "auth.recovery_code": _l("使用恢复码登录"),
    "account.unlock": _l("解除登录限制"),
    "agreement.view_unmasked": _l("查看协议中的完整电话"),
    "entity.view_unmasked": _l("查看主体完整联系电话"),
    "department.create": _l("创建部门"),
    "certificate.batch": _l("批量打印聘任证书"),
    "counselor.bulk": _l("批量变更辅导员聘任状态"),
    "training.import_attendance": _l("导入培训出勤"),
    "directory.confirm_year": _l("确认年度名录数据"),
    "directory.unlock": _l("解锁年度名录数据维护"),
    "entity.register": _l("登记经营主体"), "entity.update": _l("修改经营主体"), "entity.delete": _l("删除经营主体"),
    "entity.verify": _l("核实经营主体"), "entity.request_correction": _l("要求主体更正信息"),
    "entity.import": _l("批量导入经营主体"),
    "entity_claim.submit": _l("申请认领经营主体"), "entity_claim.approve": _l("通过经营主体认领（移交持有账户）"),
    "entity_claim.reject": _l("驳回经营主体认领"), "entity_claim.withdraw": _l("撤回经营主体认领"),
    "need.create": _l("创建需求"), "need.update": _l("修改需求"), "need.delete": _l("删除需求草稿"),
    "need.publish": _l("发布需求"), "need.assign": _l("需求已对接"), "need.start_service": _l("需求开始服务"),
    "need.close": _l("需求服务完成"), "need.cancel": _l("取消需求"), "need.expire": _l("需求过期"),
    "need.reopen": _l("需求重新开放（协议违约终止）"), "need.settle": _l("需求调解结案"),
    "need.renew": _l("重新发布过期需求"), "need.view_contact": _l("承接方查看主体联系方式"),
    "need.interest": _l("表达承接意向"), "invitation.create": _l("邀请候选人"), "invitation.accepted": _l("接受邀请"),
    "invitation.declined": _l("谢绝邀请"), "invitation.expired": _l("邀请超时"),
    "invitation.withdrawn": _l("撤回邀请"), "invitation.pending": _l("邀请待答复"),
    "counselor.appoint": _l("聘任辅导员"), "counselor.update": _l("修改辅导员信息"),
    "counselor.update_own": _l("辅导员修改本人信息"), "counselor.request_change": _l("辅导员申请修改信息"),
    "counselor.review_change": _l("审核辅导员修改申请"), "counselor.link_account": _l("为辅导员开通账户"),
    "counselor.view_unmasked": _l("查看辅导员完整个人信息"),
    "counselor.suspend": _l("暂停辅导员聘任"), "counselor.resume": _l("恢复辅导员聘任"),
    "counselor.renew": _l("辅导员续聘"), "counselor.expire": _l("辅导员聘期届满"),
    "counselor.transfer_out": _l("辅导员调出"), "counselor.strike_off": _l("辅导员除名"),
    "counselor.import": _l("批量导入辅导员"), "counselor.export_unmasked": _l("导出含完整个人信息的名录"),
    "center.register": _l("登记服务中心"), "center.update": _l("修改服务中心信息"),
    "center.upload": _l("上传服务中心制度文件"), "center.submit": _l("提交服务中心备案"),
    "center.file": _l("服务中心予以备案"), "center.return": _l("退回服务中心备案"),
    "center.warn": _l("警示服务中心"), "center.rectify": _l("责令服务中心整改"),
    "center.restore": _l("服务中心恢复正常"), "center.delist": _l("服务中心摘牌"),
    "offering.create": _l("添加服务项目"), "offering.update": _l("修改服务项目"),
    "offering.activate": _l("上架服务项目"), "offering.deactivate": _l("下架服务项目"),
    "agreement.create": _l("拟定服务协议"), "agreement.update": _l("修改服务协议"),
    "agreement.propose": _l("提交服务协议签署"), "agreement.sign": _l("签署服务协议"),
    "agreement.revise": _l("服务协议变更（签名作废）"), "agreement.start": _l("服务协议开始服务"),
    "agreement.submit": _l("申请验收"), "agreement.accept": _l("验收通过"),
    "agreement.request_changes": _l("验收不通过要求整改"),
    "agreement.close": _l("服务协议完结"), "agreement.terminate": _l("服务协议违约终止"),
    "agreement.cancel": _l("取消服务协议"), "agreement.dispute": _l("服务协议争议"),
    "agreement.mediate": _l("调解服务协议争议"), "agreement.record": _l("登记服务记录"),
    "evaluation.scheme": _l("设置绩效评价方案"),
    "evaluation.improvement": _l("记录服务对象质量提升"),
    "evaluation.run": _l("开展绩效评价"),
    "evaluation.adjust": _l("调整绩效评价结果"),
    "oversight.report": _l("生成工作进展报告"),
    "notification.sms_preferences": _l("修改短信提醒设置"),
    "review.reply": _l("服务方回复评价"), "review.hide": _l("隐藏不当评价"),
    "need.view_provider_contact": _l("主体查看承接服务方联系方式"),
}


# The records an entry is about (its object_type is the table name), as people call them.
OBJECT_LABELS = {
    "users": _l("账户"), "departments": _l("部门"), "api_tokens": _l("接口令牌"), "jobs": _l("后台任务"),
    "counselors": _l("辅导员"), "counselor_change_requests": _l("辅导员修改申请"),
    "off_platform_services": _l("平台外服务记录"),
    "yearly_confirmations": _l("年度名录确认"), "yearly_unlocks": _l("年度名录解锁"),
    "entities": _l("经营主体"), "entity_claims": _l("经营主体认领申请"), "needs": _l("需求"),
    "invitations": _l("邀请"), "service_centers": _l("服务中心"), "center_documents": _l("服务中心制度文件"),
    "offerings": _l("服务项目"), "agreements": _l("服务协议"), "service_records": _l("服务记录"),
    "agreement_attachments": _l("协议附件"), "evaluation_schemes": _l("绩效评价方案"),
    "entity_improvements": _l("服务对象质量提升记录"), "counselor_evaluations": _l("辅导员绩效评价"),
    "center_evaluations": _l("服务中心绩效评价"), "regions": _l("地区"), "trainings": _l("培训"),
    "training_enrollments": _l("培训报名"),
    "notification_preferences": _l("短信提醒设置"), "sms_messages": _l("短信"),
    "review_notes": _l("评价回复与隐藏"), "need_messages": _l("需求提问留言"),
    "awards": _l("评优提名"),
    "notices": _l("通知公告"),
    "notice_attachments": _l("通知附件"), "notice_receipts": _l("通知阅读回执"),
    "work_reports": _l("工作报告"), "work_report_comments": _l("工作报告意见"), "typical_cases": _l("典型案例"),
    "typical_case_photos": _l("案例照片"), "work_report_attachments": _l("工作报告附件"),
}
# Keys of `details` shown on the log page, with their labels; personal-data field names are translated too.
DETAIL_LABELS = {"purpose": _l("用途"), "reason": _l("原因"), "fields": _l("字段"), "count": _l("条数"),
                 "total": _l("总数"), "data_year": _l("数据年度"), "until": _l("截至"), "year": _l("年度"),
                 "number": _l("编号")}
FIELD_LABELS = {"id_number": _l("身份证号"), "phone": _l("手机号"), "email": _l("电子邮箱")}
_NAME_ATTRIBUTES = ("name", "number", "display_name", "title", "candidate_name", "username", "filing_number")


def object_label(object_type: str) -> str:
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label else object_type


def _model_of(table: str):
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.local_table, "name", None) == table:
            return mapper.class_
    return None


def object_names(entries) -> dict[tuple[str, str], str]:
    """The name of each entry's record ({(object_type, object_id): name}), one query per table."""
    wanted: dict[str, set[str]] = {}
    for entry in entries:
        if entry.object_id is not None:
            wanted.setdefault(entry.object_type, set()).add(entry.object_id)
    names = {}
    for table, ids in wanted.items():
        model = _model_of(table)
        attribute = next((a for a in _NAME_ATTRIBUTES if model is not None and hasattr(model, a)), None)
        if attribute is None:
            continue
        key = model.__mapper__.primary_key[0]
        typed = [int(i) if key.type.python_type is int and i.isdigit() else i for i in ids]
        typed = [i for i in typed if isinstance(i, key.type.python_type)]
        for row in db.session.execute(db.select(key, getattr(model, attribute)).where(key.in_(typed))):
            if row[1]:
                names[(table, str(row[0]))] = str(row[1])
    return names


def detail_lines(entry: AuditEntry) -> list[tuple[str, str]]:
    """What the log page shows of an entry's details: the stated purpose of an unmasked view, the reason, the
    fields and counts, in the reader's language."""
    lines = []
    for key, label in DETAIL_LABELS.items():
        value = (entry.details or {}).get(key)
        if value in (None, "", []):
            continue
        if key == "fields":
            value = str(_l("、")).join(str(FIELD_LABELS.get(v, v)) for v in value)
        lines.append((str(label), str(value)))
    return lines


def record(actor: Any, action: str, obj: Any = None, *, object_type: str | None = None,
           object_id: Any = None, region_code: str | None = None, **details: Any) -> AuditEntry:
    """Add an audit entry for `action` on `obj` by `actor` (a User or None) and flush it."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
        region_code = region_code or getattr(obj, "region_code", None)
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or "-",
        object_id=None if object_id is None else str(object_id),
        region_code=region_code,
        ip_address=request.remote_addr if has_request_context() else None,
        details=details,
    )
    db.session.add(entry)
    db.session.flush()
    return entry
