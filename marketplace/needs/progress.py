"""One status line for a need as its operator reads it on a phone ("已邀请 2 位，等待答复，最迟 12月4日 14:00")
and what to do next. Times in China time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from marketplace.needs.models import InvitationStatus, Need, NeedStatus
from marketplace.timeutil import local


@dataclass
class Progress:
    line: str
    next_step: str
    tone: str  # a Bootstrap colour: what the operator should feel about it


def short_time(value: datetime) -> str:
    """'12月4日 14:00' in China time."""
    moment = local(value)
    return _("%(month)d月%(day)d日 %(time)s", month=moment.month, day=moment.day, time=moment.strftime("%H:%M"))


def progress(need: Need, invitations: list | None = None) -> Progress:
    """The line and the next step from the need's status and its invitations (pass them when preloaded)."""
    rows = need.invitations if invitations is None else invitations
    live = [i for i in rows if i.status is not InvitationStatus.WITHDRAWN]
    pending = [i for i in live if i.status is InvitationStatus.PENDING]
    status = need.status
    if status is NeedStatus.DRAFT:
        return Progress(_("草稿，尚未发布"), _("发布后系统会推荐候选人，您可邀请他们"), "secondary")
    if status is NeedStatus.OPEN:
        if pending:
            due = min(i.due_at for i in pending)
            return Progress(_("已邀请 %(n)d 位，等待答复，最迟 %(due)s", n=len(pending), due=short_time(due)),
                            _("等待答复；逾期未答复的邀请会自动转给下一位候选人。答复前可先向候选人提问"), "primary")
        if live:
            return Progress(_("已邀请 %(n)d 位，都未接受", n=len(live)),
                            _("请从候选人中再邀请一位，或修改需求后重新邀请"), "warning")
        return Progress(_("已发布，还没有邀请任何人"), _("查看下面的候选人，可先提问，再邀请合适的一位"), "warning")
    if status is NeedStatus.ASSIGNED:
        accepted = next((i for i in live if i.status is InvitationStatus.ACCEPTED), None)
        name = accepted.candidate_name if accepted else ""
        return Progress(_("%(name)s 已接受，待签协议", name=name) if name else _("已对接，待签协议"),
                        _("与服务方商定并签署服务协议"), "success")
    if status is NeedStatus.IN_SERVICE:
        return Progress(_("服务中"), _("服务完成后，服务方提交验收，您验收并评价"), "info")
    if status is NeedStatus.CLOSED:
        return Progress(_("已完成"), _("可为新的问题再发布需求"), "secondary")
    if status is NeedStatus.EXPIRED:
        return Progress(_("已过期，没有服务方承接"), _("可重新发布，或修改需求后再发布"), "warning")
    return Progress(_("已取消"), _("如仍需要帮助，可发布新的需求"), "secondary")


def progress_of_page(needs: list[Need]) -> dict[int, Progress]:
    """The progress of each need of a list page, with their invitations read in one query."""
    from sqlalchemy import select

    from marketplace.extensions import db
    from marketplace.needs.models import Invitation

    ids = [n.id for n in needs]
    rows: dict[int, list] = {i: [] for i in ids}
    if ids:
        for invitation in db.session.scalars(select(Invitation).where(Invitation.need_id.in_(ids))):
            rows[invitation.need_id].append(invitation)
    return {n.id: progress(n, rows[n.id]) for n in needs}
