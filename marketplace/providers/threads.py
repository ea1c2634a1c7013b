"""Asking before inviting: a short thread about one need between its operator and one candidate.

The operator asks, the candidate answers, back and forth up to `MAX_MESSAGES`; both sides are notified.
Phone numbers and resident ID numbers are refused in every message (contact details are exchanged by the
platform after an acceptance, not in threads). Officials of the need's place may read threads, not write."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.centers.models import ServiceCenter
from marketplace.directory.models import Counselor
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction
from marketplace.needs.models import Need, NeedStatus
from marketplace.notifications.services import notify
from marketplace.providers.models import NeedMessage, Side

MAX_MESSAGES = 10
MAX_LENGTH = 300
ASKABLE = (NeedStatus.OPEN,)

_SEPARATORS = re.compile(r"(?<=\d)[\s\-－—–_.·()（）/]+(?=\d)")
_PATTERNS = (
    re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)"),   # mobile
    re.compile(r"(?<!\d)0\d{2,3}\d{7,8}(?!\d)"),          # landline with its area code
    re.compile(r"(?<!\d)\d{17}[\dX](?!\d)"),              # resident ID number
    re.compile(r"(?<!\d)\d{15}(?!\d)"),                   # old 15-digit ID number
)


def contains_personal_data(text: str) -> bool:
    """Whether `text` holds a phone number or an ID number, also written with full-width digits or with
    spaces, dashes or dots between the digits."""
    normal = unicodedata.normalize("NFKC", text or "").upper()
    normal = _SEPARATORS.sub("", normal)
    return any(pattern.search(normal) for pattern in _PATTERNS)


def refuse_personal_data(text: str, field: str = "body") -> None:
    if contains_personal_data(text):
        raise DomainError(_("消息中不能包含电话号码或身份证号。接受邀请后，双方可在平台上看到彼此的联系方式。"),
                          field=field)


@dataclass
class Candidate:
    kind: str
    provider: Any

    @property
    def id(self) -> int:
        return self.provider.id

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def user_id(self) -> int | None:
        return self.provider.user_id if self.kind == "counselor" else self.provider.owner_id


def thread_path(need_id: int, kind: str, candidate_id: int) -> str:
    """The thread page's path (built by hand: tasks and services run outside a request too)."""
    return f"/providers/questions/{need_id}/{kind}/{candidate_id}"


def candidate_or_404(kind: str, candidate_id: int) -> Candidate:
    model = {"counselor": Counselor, "center": ServiceCenter}.get(kind)
    provider = db.session.get(model, candidate_id) if model else None
    if provider is None:
        abort(404)
    return Candidate(kind, provider)


def _thread_clause(need: Need, candidate: Candidate):
    column = NeedMessage.counselor_id if candidate.kind == "counselor" else NeedMessage.center_id
    return (NeedMessage.need_id == need.id) & (column == candidate.id)


def messages(need: Need, candidate: Candidate) -> list[NeedMessage]:
    return list(db.session.scalars(select(NeedMessage).where(_thread_clause(need, candidate))
                                   .order_by(NeedMessage.id)))


def side_of(user: User | None, need: Need, candidate: Candidate) -> Side | None:
    if user is None or not user.is_authenticated:
        return None
    if user.role is Role.OPERATOR and need.owner_id == user.id:
        return Side.OPERATOR
    if candidate.user_id is not None and candidate.user_id == user.id:
        return Side.PROVIDER
    return None


def can_read(user: User | None, need: Need, candidate: Candidate) -> bool:
    if side_of(user, need, candidate) is not None:
        return True
    return bool(user is not None and user.is_authenticated and user.is_official
                and region_in_jurisdiction(need.region_code, user))


def can_write(user: User | None, need: Need, candidate: Candidate, thread: list[NeedMessage]) -> bool:
    side = side_of(user, need, candidate)
    if side is None or need.status not in ASKABLE or len(thread) >= MAX_MESSAGES:
        return False
    return side is Side.OPERATOR or bool(thread)  # the candidate answers; it does not start a thread


def post(actor: User, need: Need, candidate: Candidate, body: str) -> NeedMessage:
    """Add one message to the thread and notify the other side. The operator opens the thread; the candidate
    answers in it."""
    side = side_of(actor, need, candidate)
    if side is None:
        raise NotAllowed(_("只有需求的发布者和被提问的服务方可以留言"))
    if need.status not in ASKABLE:
        raise Conflict(_("需求不在发布中，不能再提问"))
    if candidate.user_id is None:
        raise Conflict(_("该服务方尚未开通账户，暂时不能提问"))
    if side is Side.OPERATOR and not candidate.provider.is_public:
        raise Conflict(_("该服务方目前不接受邀请"))
    count = db.session.scalar(select(func.count()).select_from(NeedMessage)
                              .where(_thread_clause(need, candidate))) or 0
    if side is Side.PROVIDER and count == 0:
        raise Conflict(_("需求发布者提问后才能回复"))
    if count >= MAX_MESSAGES:
        raise Conflict(_("这段对话已达 %(n)d 条，请直接邀请或另行沟通", n=MAX_MESSAGES))
    body = (body or "").strip()
    if not body:
        raise DomainError(_("请填写内容"), field="body")
    if len(body) > MAX_LENGTH:
        raise DomainError(_("不能超过 %(n)d 个字", n=MAX_LENGTH), field="body")
    refuse_personal_data(body)
    message = NeedMessage(
        need_id=need.id, counselor_id=candidate.id if candidate.kind == "counselor" else None,
        center_id=candidate.id if candidate.kind == "center" else None, region_code=need.region_code,
        owner_id=need.owner_id, provider_user_id=candidate.user_id, side=side, author_id=actor.id, body=body)
    db.session.add(message)
    db.session.flush()
    link = thread_path(need.id, candidate.kind, candidate.id)
    if side is Side.OPERATOR:
        recipient = db.session.get(User, candidate.user_id)
        title = _("有合作社或家庭农场就需求“%(title)s”向您提问", title=need.title)
    else:
        recipient = db.session.get(User, need.owner_id)
        title = _("%(name)s 回复了您关于“%(title)s”的提问", name=candidate.name, title=need.title)
    if recipient is not None:
        notify(recipient, title, body, link)
    return message


@dataclass
class ThreadCandidate:
    """Who a thread on the need page is with: enough for its link and name."""

    kind: str
    id: int
    name: str


def threads_of_need(need: Need) -> list[dict]:
    """The need's threads for its operator and officials: candidate, number of messages, the last side."""
    rows = db.session.execute(_threads_statement(), {"need_id": need.id}).all()
    result = []
    for counselor_id, center_id, n, last_side, counselor_name, center_name in rows:
        kind = "counselor" if counselor_id else "center"
        candidate = ThreadCandidate(kind, counselor_id or center_id, counselor_name if counselor_id else center_name)
        result.append({"candidate": candidate, "count": n, "awaiting_answer": last_side is Side.OPERATOR})
    return sorted(result, key=lambda t: t["candidate"].name)


@cache
def _threads_statement():
    """Each thread of a need with the side of its last message and the candidate's name, in one query; built
    once per process (the need page asks on every view; a statement object keeps its cache key)."""
    from sqlalchemy import bindparam

    threads = (select(NeedMessage.counselor_id, NeedMessage.center_id, func.count().label("n"),
                      func.max(NeedMessage.id).label("last_id"))
               .where(NeedMessage.need_id == bindparam("need_id"))
               .group_by(NeedMessage.counselor_id, NeedMessage.center_id)).subquery()
    return (select(threads.c.counselor_id, threads.c.center_id, threads.c.n, NeedMessage.side,
                   Counselor.name.label("counselor_name"), ServiceCenter.name.label("center_name"))
            .join(NeedMessage, NeedMessage.id == threads.c.last_id)
            .outerjoin(Counselor, Counselor.id == threads.c.counselor_id)
            .outerjoin(ServiceCenter, ServiceCenter.id == threads.c.center_id))


def threads_for_provider(user: User) -> list[NeedMessage]:
    """The latest message of each thread a provider's user was asked in (for the inbox)."""
    latest = (select(func.max(NeedMessage.id)).where(NeedMessage.provider_user_id == user.id)
              .group_by(NeedMessage.need_id, NeedMessage.counselor_id, NeedMessage.center_id))
    return list(db.session.scalars(select(NeedMessage).where(NeedMessage.id.in_(latest))
                                   .order_by(NeedMessage.id.desc()).limit(20)))
