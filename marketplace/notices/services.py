"""Notice services: write a draft, attach files, publish (the fan-out to every recipient runs in the background
in batches through the outbox), withdraw, open (the read receipt), and count who has read it per region.

Who may do what: the publishing department's officials write and move its notices; officials above read them
and their counts (they lie in their jurisdiction); a recipient reads a notice once it has reached them. A
notice reaches, in the department's region and below, the enabled users of the kinds it is addressed to:
officials of the departments below, counselors, service-center staff, farm operators. Services flush, never
commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import BinaryIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, insert, or_, select, update

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.background import enqueue_after_commit
from marketplace.centers import uploads
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction, scope_clause
from marketplace.notices.models import Notice, NoticeAttachment, NoticeReceipt, NoticeState, RecipientKind
from marketplace.notifications.models import Notification
from marketplace.regions.models import Region
from marketplace.timeutil import utcnow

MAX_TITLE, MAX_BODY, MAX_FILES = 120, 20_000, 9
BATCH_SIZE = 1000  # recipients per fan-out task
FANOUT_TASK, MAIL_TASK = "notices.fan_out", "notices.send_mail"
ROLE_OF = {RecipientKind.OFFICIAL: Role.OFFICIAL, RecipientKind.COUNSELOR: Role.COUNSELOR,
           RecipientKind.CENTER: Role.CENTER_STAFF, RecipientKind.OPERATOR: Role.OPERATOR}
KIND_OF = {role: kind for kind, role in ROLE_OF.items()}

# The notice's state machine: the only list of actions. The page's buttons, the route and the API read it.
# action: (states it may start from, state it leads to, button label, button style, a reason is required)
TRANSITIONS: dict[str, tuple[frozenset[NoticeState], NoticeState, object, str, bool]] = {
    "publish": (frozenset({NoticeState.DRAFT}), NoticeState.PUBLISHED, _l("发布"), "success", False),
    "withdraw": (frozenset({NoticeState.PUBLISHED}), NoticeState.WITHDRAWN, _l("撤回"), "outline-danger", True),
}


@dataclass
class NoticeInput:
    title: str
    body: str
    kinds: list[RecipientKind] = field(default_factory=list)
    is_public: bool = False


def link_of(notice: Notice) -> str:
    return f"/notices/{notice.id}"


# --- who may -------------------------------------------------------------------------------------------------

def can_publish(user: User) -> bool:
    return bool(user.is_authenticated and user.role is Role.OFFICIAL and user.department_id is not None)


def can_manage(user: User, notice: Notice) -> bool:
    """The publishing department's officials write and move its notices."""
    return can_publish(user) and user.department_id == notice.department_id


def can_see_counts(user: User, notice: Notice) -> bool:
    """The publishing department and those above it (the notice lies in their jurisdiction)."""
    return (notice.state is not NoticeState.DRAFT and user.is_authenticated and user.is_official
            and region_in_jurisdiction(notice.region_code, user))


def actions_for(user: User, notice: Notice) -> list[dict]:
    """The transition buttons this user may press on this notice (from TRANSITIONS)."""
    if not can_manage(user, notice):
        return []
    return [{"action": name, "label": str(label), "style": style, "needs_reason": needs_reason}
            for name, (sources, _target, label, style, needs_reason) in TRANSITIONS.items()
            if notice.state in sources]


# --- reading -------------------------------------------------------------------------------------------------

def _received_ids(user: User):
    return select(NoticeReceipt.notice_id).where(NoticeReceipt.user_id == user.id)


def visible_notices(user: User) -> Select[tuple[Notice]]:
    """Officials: their jurisdiction's notices (drafts only their own department's) and those that reached
    them; everyone else: those that reached them."""
    if not user.is_authenticated:
        return select(Notice).where(Notice.id.is_(None))
    received = Notice.id.in_(_received_ids(user))
    if not user.is_official:
        return select(Notice).where(received)
    own_or_sent = and_(scope_clause(Notice, user),
                       or_(Notice.state != NoticeState.DRAFT, Notice.department_id == user.department_id))
    return select(Notice).where(or_(own_or_sent, received))


def get_visible_or_none(user: User, notice_id: int) -> Notice | None:
    return db.session.scalars(visible_notices(user).where(Notice.id == notice_id)).first()


def received(user: User) -> Select[tuple[Notice]]:
    """The notices that reached `user`, newest first."""
    return (select(Notice).where(Notice.id.in_(_received_ids(user)))
            .order_by(Notice.published_at.desc(), Notice.id.desc()))


def receipts_for(user: User, notice_ids: list[int]) -> dict[int, NoticeReceipt]:
    """The user's receipts of these notices, by notice id (one query for a list page)."""
    if not notice_ids:
        return {}
    return {r.notice_id: r for r in db.session.scalars(select(NoticeReceipt).where(
        NoticeReceipt.user_id == user.id, NoticeReceipt.notice_id.in_(notice_ids)))}


def sent(user: User) -> Select[tuple[Notice]]:
    """The notices of the official's jurisdiction (their own department's drafts included), newest first."""
    if not can_publish(user):
        return select(Notice).where(Notice.id.is_(None))
    return (select(Notice).where(scope_clause(Notice, user),
                                 or_(Notice.state != NoticeState.DRAFT, Notice.department_id == user.department_id))
            .order_by(Notice.created_at.desc(), Notice.id.desc()))


def receipt_of(user: User, notice: Notice) -> NoticeReceipt | None:
    if not user.is_authenticated:
        return None
    return db.session.scalars(select(NoticeReceipt).where(NoticeReceipt.notice_id == notice.id,
                                                          NoticeReceipt.user_id == user.id)).first()


def public_notices() -> Select[tuple[Notice]]:
    return (select(Notice).where(Notice.is_public.is_(True), Notice.state == NoticeState.PUBLISHED)
            .order_by(Notice.published_at.desc(), Notice.id.desc()))


def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(NoticeReceipt).join(Notice).where(
        NoticeReceipt.user_id == user.id, NoticeReceipt.read_at.is_(None),
        Notice.state == NoticeState.PUBLISHED)) or 0


# --- writing -------------------------------------------------------------------------------------------------

def _validate(data: NoticeInput) -> None:
    errors: dict[str, str] = {}
    title, body = (data.title or "").strip(), (data.body or "").strip()
    if not title:
        errors["title"] = _("请填写标题")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("标题最多 %(n)d 字", n=MAX_TITLE)
    if not body:
        errors["body"] = _("请填写正文")
    elif len(body) > MAX_BODY:
        errors["body"] = _("正文最多 %(n)d 字", n=MAX_BODY)
    if not data.kinds:
        errors["kinds"] = _("请至少选择一类接收对象")
    raise_if_errors(errors)


def _apply(notice: Notice, data: NoticeInput) -> None:
    notice.title, notice.body = data.title.strip(), data.body.strip()
    notice.audience = ",".join(k.value for k in RecipientKind if k in set(data.kinds))
    notice.is_public = bool(data.is_public)


def create_notice(actor: User, data: NoticeInput) -> Notice:
    """A draft notice of the actor's department, addressed to its region and below."""
    if not can_publish(actor):
        raise NotAllowed(_("只有农业农村部门可以发布通知公告"))
    _validate(data)
    notice = Notice(department_id=actor.department_id, region_code=actor.department.region_code,
                    created_by_id=actor.id, state=NoticeState.DRAFT)
    _apply(notice, data)
    db.session.add(notice)
    db.session.flush()
    record(actor, "notice.create", notice, title=notice.title)
    return notice


def _require_draft(notice: Notice, actor: User) -> None:
    if not can_manage(actor, notice):
        raise NotAllowed(_("只有发布通知的部门可以修改"))
    if notice.state is not NoticeState.DRAFT:
        raise Conflict(_("通知已发布或已撤回，不能再修改"))


def update_notice(notice: Notice, data: NoticeInput, actor: User) -> None:
    _require_draft(notice, actor)
    _validate(data)
    _apply(notice, data)
    db.session.flush()
    record(actor, "notice.update", notice, title=notice.title)


def attach(notice: Notice, stream: BinaryIO, filename: str | None, actor: User) -> NoticeAttachment:
    """Add a checked file to a draft (type by content, size limit: uploads.store)."""
    _require_draft(notice, actor)
    if len(notice.attachments) >= MAX_FILES:
        raise DomainError(_("每条通知最多 %(n)d 个附件", n=MAX_FILES), field="file")
    stored = uploads.store(stream, filename)
    attachment = NoticeAttachment(notice=notice, original_name=stored.original_name, stored_name=stored.stored_name,
                                  content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    record(actor, "notice.attach", notice, title=notice.title, number=attachment.original_name)
    return attachment


def detach(attachment: NoticeAttachment, actor: User) -> None:
    notice = attachment.notice
    _require_draft(notice, actor)
    stored_name = attachment.stored_name
    notice.attachments.remove(attachment)
    db.session.flush()
    record(actor, "notice.detach", notice, title=notice.title, number=attachment.original_name)
    uploads.remove(stored_name)


def transition(notice: Notice, action: str, actor: User, reason: str | None = None) -> None:
    """Move a notice along TRANSITIONS. Publishing queues the fan-out (first batch) after commit."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知的操作"))
    if not can_manage(actor, notice):
        raise NotAllowed(_("只有发布通知的部门可以操作"))
    sources, target, _label, _style, needs_reason = TRANSITIONS[action]
    if notice.state not in sources:
        raise Conflict(_("通知当前状态不能执行此操作"))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise DomainError(_("请填写原因"), field="reason")
    notice.state, notice.state_reason = target, reason or None
    if target is NoticeState.PUBLISHED:
        notice.published_at = utcnow()
        enqueue_after_commit(FANOUT_TASK, notice.id, 0)
    elif target is NoticeState.WITHDRAWN:
        notice.withdrawn_at = utcnow()
    db.session.flush()
    record(actor, f"notice.{action}", notice, title=notice.title, **({"reason": reason} if reason else {}))


def open_notice(user: User, notice: Notice) -> bool:
    """The recipient opened the notice: its receipt (and the inbox message) are marked read, once."""
    now = utcnow()
    changed = db.session.execute(update(NoticeReceipt).where(
        NoticeReceipt.notice_id == notice.id, NoticeReceipt.user_id == user.id, NoticeReceipt.read_at.is_(None))
        .values(read_at=now)).rowcount
    if changed:
        db.session.execute(update(Notification).where(
            Notification.user_id == user.id, Notification.link == link_of(notice), Notification.is_read.is_(False))
            .values(is_read=True, read_at=now))
    return bool(changed)


# --- the fan-out ---------------------------------------------------------------------------------------------

def recipients(notice: Notice) -> Select:
    """(user id, role, region code) of everyone the notice is addressed to, by user id."""
    region = db.session.get(Region, notice.region_code)
    roles = [ROLE_OF[k] for k in notice.kinds]
    in_subtree = User.region_code.in_(select(Region.code).where(Region.path.startswith(region.path,
                                                                                       autoescape=True)))
    # Officials: those of the departments below (not the publishing department itself).
    not_self = or_(User.role != Role.OFFICIAL, User.department_id.is_(None),
                   User.department_id != notice.department_id)
    return (select(User.id, User.role, User.region_code, User.email)
            .where(User.is_enabled.is_(True), User.role.in_(roles), in_subtree, not_self).order_by(User.id))


def fan_out_batch(notice: Notice, after_user_id: int = 0, size: int = BATCH_SIZE) -> int:
    """Deliver the notice to the next `size` recipients after `after_user_id`: a receipt and an inbox message
    each, and one mail task for those with an address. Queues the next batch while there are more. Idempotent:
    a recipient who already has a receipt is skipped, so a batch that runs twice writes nothing new."""
    if notice.state is not NoticeState.PUBLISHED:
        return 0
    rows = db.session.execute(recipients(notice).where(User.id > after_user_id).limit(size)).all()
    if not rows:
        notice.fanout_done_at = notice.fanout_done_at or utcnow()
        return 0
    ids = [r.id for r in rows]
    have = set(db.session.scalars(select(NoticeReceipt.user_id).where(NoticeReceipt.notice_id == notice.id,
                                                                      NoticeReceipt.user_id.in_(ids))))
    fresh = [r for r in rows if r.id not in have]
    now = utcnow()
    if fresh:
        db.session.execute(insert(NoticeReceipt), [
            {"notice_id": notice.id, "user_id": r.id, "kind": KIND_OF[r.role], "region_code": r.region_code,
             "delivered_at": now} for r in fresh])
        title, link = _("通知公告：%(title)s", title=notice.title)[:200], link_of(notice)
        summary = notice.department.name + "｜" + notice.body[:200]
        db.session.execute(insert(Notification), [
            {"user_id": r.id, "title": title, "body": summary, "link": link, "is_read": False, "created_at": now}
            for r in fresh])
        mailed = [r.id for r in fresh if r.email]
        if mailed:
            enqueue_after_commit(MAIL_TASK, notice.id, mailed)
    if len(rows) == size:
        enqueue_after_commit(FANOUT_TASK, notice.id, ids[-1])
    else:
        notice.fanout_done_at = now
    db.session.flush()
    return len(fresh)


def mail_notifications(notice: Notice, user_ids: list[int]) -> int:
    """Mail the notice's inbox message to these recipients (each once: send_email skips a mailed one)."""
    from marketplace.notifications.services import send_email

    rows = db.session.scalars(select(Notification).where(
        Notification.link == link_of(notice), Notification.user_id.in_(user_ids),
        Notification.emailed_at.is_(None)))
    return sum(1 for n in rows if send_email(n))


# --- read receipts -------------------------------------------------------------------------------------------

@dataclass
class CountRow:
    region: Region | None = None  # None: the level's own users (the region itself, not one below)
    total: int = 0
    read: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.read / self.total) if self.total else 0


def drill_region(notice: Notice, wanted: str | None, user: User) -> str:
    """The region to count in: `wanted` when it lies under the notice's region and in the user's jurisdiction,
    else the notice's own region."""
    base = db.session.get(Region, notice.region_code)
    region = db.session.get(Region, wanted) if wanted else None
    if region is None or not region.path.startswith(base.path) or not region_in_jurisdiction(region.code, user):
        return notice.region_code
    return region.code


def counts(notice: Notice, region_code: str | None = None) -> dict:
    """Read/total of the notice per region one level below `region_code` (default: the notice's region), per
    recipient kind, and overall, from its receipts."""
    base = db.session.get(Region, region_code or notice.region_code)
    grouped = db.session.execute(
        select(NoticeReceipt.region_code, NoticeReceipt.kind, func.count(), func.count(NoticeReceipt.read_at))
        .where(NoticeReceipt.notice_id == notice.id,
               NoticeReceipt.region_code.in_(select(Region.code).where(Region.path.startswith(
                   base.path, autoescape=True))))
        .group_by(NoticeReceipt.region_code, NoticeReceipt.kind)).all()
    paths = dict(db.session.execute(select(Region.code, Region.path).where(
        Region.code.in_({g[0] for g in grouped}))).all()) if grouped else {}
    by_child: dict[str | None, CountRow] = {}
    by_kind: dict[RecipientKind, CountRow] = defaultdict(CountRow)
    overall = CountRow(base)
    for code, kind, total, read in grouped:
        rest = paths.get(code, "")[len(base.path):].strip("/")
        child = rest.split("/")[0] if rest else None
        row = by_child.setdefault(child, CountRow(None))
        row.total, row.read = row.total + total, row.read + read
        by_kind[kind].total += total
        by_kind[kind].read += read
        overall.total, overall.read = overall.total + total, overall.read + read
    regions = {r.code: r for r in db.session.scalars(select(Region).where(
        Region.code.in_([c for c in by_child if c])))}
    rows = []
    for child, row in sorted(by_child.items(), key=lambda item: (item[0] is not None, item[0] or "")):
        row.region = regions.get(child) if child else None
        rows.append(row)
    return {"region": base, "rows": rows, "kinds": [(k, by_kind[k]) for k in RecipientKind if k in by_kind],
            "overall": overall}
