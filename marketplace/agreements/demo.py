"""Demo agreements for coop_zhengding (called by `demo.services.seed_demo` after needs and centers):

- with fdy_liu, from the accepted demo invitation: signed, in service, three service records (one a
  correction), submitted for acceptance — the entity's acceptance is waiting;
- with center_zhengding, bought from its 代理记账 offering: proposed and signed by the center only — the
  entity's signature is waiting;
- with center_zhengding, the 年报填报 offering: delivered, accepted item by item, rated 5, closed.

Idempotent: nothing is created when coop_zhengding already has an agreement.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.agreements import lifecycle, records, services
from marketplace.agreements.models import Agreement, RecordKind
from marketplace.centers.models import Offering, ServiceCenter
from marketplace.directory.models import Specialty
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.needs import services as needs
from marketplace.needs.models import Invitation, InvitationStatus, Need, ServiceMode
from marketplace.timeutil import local_today

log = logging.getLogger(__name__)
DEMO_IP = "10.12.3.45"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def seed_agreements_demo() -> None:
    operator, liu, staff = _user("coop_zhengding"), _user("fdy_liu"), _user("center_zhengding")
    if operator is None or db.session.scalar(select(Agreement.id).where(Agreement.owner_id == operator.id)):
        return
    for make in (lambda: _with_counselor(operator, liu), lambda: _with_center(operator, staff)):
        try:
            with db.session.begin_nested():
                make()
        except DomainError as error:  # the demo must not stop the seeding of everything else
            log.warning("demo agreements not made: %s", error.message)
    db.session.flush()


def _with_counselor(operator: User, liu: User | None) -> None:
    if liu is None:
        return
    invitation = db.session.scalars(select(Invitation).join(Need).where(
        Need.owner_id == operator.id, Invitation.status.in_((InvitationStatus.PENDING, InvitationStatus.ACCEPTED)))
        .order_by(Invitation.id)).first()
    if invitation is None or not invitations.can_answer(liu, invitation):
        return
    if invitation.status is InvitationStatus.PENDING:
        invitations.answer(liu, invitation, True)
    # drafted a fortnight ago, so that the records below fall within the agreement's term
    agreement = services.create_from_invitation(operator, invitation, today=local_today() - timedelta(days=14))
    lifecycle.propose(agreement, operator)
    lifecycle.sign(agreement, operator, DEMO_IP, "Mozilla/5.0 (demo)")
    lifecycle.sign(agreement, liu, "10.12.7.21", "Mozilla/5.0 (demo)")
    lifecycle.start(agreement, liu)
    today = local_today()
    first = records.add_record(liu, agreement, records.RecordInput(
        served_on=today - timedelta(days=12), kind=RecordKind.VISIT,
        content="上门了解合作社账务现状，核对近两年收支凭证，确定建账方案。",
        participants="刘桂芳（辅导员）、刘建军（理事长）、王芳（会计）", place="塔元庄村合作社办公室"))
    records.add_record(liu, agreement, records.RecordInput(
        served_on=today - timedelta(days=6), kind=RecordKind.TRAINING,
        content="开展财务人员培训 4 学时：会计科目设置、成员账户登记、报销流程。",
        participants="合作社理事会成员及财务人员共 9 人", place="塔元庄村村委会会议室"))
    records.add_record(liu, agreement, records.RecordInput(
        served_on=today - timedelta(days=12), kind=RecordKind.VISIT, corrects_id=first.id,
        content="更正第 1 条：参加人员还有监事长赵国强；凭证核对范围为 2024—2025 年。",
        participants="刘桂芳、刘建军、王芳、赵国强", place="塔元庄村合作社办公室"))
    records.add_record(liu, agreement, records.RecordInput(
        served_on=today - timedelta(days=2), kind=RecordKind.DOCUMENTS,
        content="交付会计账簿、成员账户台账模板和年度财务报告初稿。", place="远程（微信文件传输）"))
    lifecycle.submit(agreement, liu, "服务项目已全部完成，请验收")


def _with_center(operator: User, staff: User | None) -> None:
    if staff is None:
        return
    center = db.session.scalar(select(ServiceCenter).where(ServiceCenter.owner_id == staff.id)
                               .order_by(ServiceCenter.id))
    if center is None or not center.is_public:
        return
    offerings = {o.name: o for o in db.session.scalars(select(Offering).where(Offering.center_id == center.id))}
    coop = db.session.scalars(select(Need).where(Need.owner_id == operator.id)).first().entity
    bookkeeping, annual = offerings.get("代理记账"), offerings.get("年报填报与信息公示")
    if annual is not None:
        need = needs.create_need(operator, coop, needs.NeedInput(
            category=int(Specialty.OPERATION), industry=coop.industries & -coop.industries,
            title="年度报告填报和信息公示", description="请服务中心代为完成市场主体年报填报和经营情况公示。",
            mode=ServiceMode.REMOTE), publish=True)
        done = services.create_from_offering(operator, need, annual, today=local_today() - timedelta(days=25))
        lifecycle.propose(done, operator)
        lifecycle.sign(done, staff, "10.12.9.8", "Mozilla/5.0 (demo)")
        lifecycle.sign(done, operator, DEMO_IP, "Mozilla/5.0 (demo)")
        lifecycle.start(done, staff)
        records.add_record(staff, done, records.RecordInput(
            served_on=local_today() - timedelta(days=20), kind=RecordKind.REMOTE,
            content="远程收集年报数据并完成填报，已在公示系统提交。", participants="高丽（服务中心）、刘建军"))
        lifecycle.submit(done, staff)
        checks = [lifecycle.ItemCheck(item.id, True, "已在公示系统查到") for item in done.items]
        lifecycle.accept(done, operator, checks, 5, "响应快，填报准确")
        lifecycle.close(done, operator)
    if bookkeeping is not None:
        need = needs.create_need(operator, coop, needs.NeedInput(
            category=int(Specialty.FINANCE), industry=coop.industries & -coop.industries,
            title="委托代理记账（2026 年度）", description="合作社会计人员不足，希望委托服务中心代理记账和报税。"),
            publish=True)
        pending = services.create_from_offering(operator, need, bookkeeping)
        lifecycle.propose(pending, operator)
        lifecycle.sign(pending, staff, "10.12.9.8", "Mozilla/5.0 (demo)")
