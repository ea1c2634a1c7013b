"""A provider's page: who may see it, what the public and the signed-in see, its record on the platform, its
reviews (answered once by the provider, hidden by an official of the jurisdiction with a reason), and the
provider's contact for the operator once the provider accepted the operator's need."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from marketplace.accounts.models import Role, User
from marketplace.agreements.models import Agreement, AgreementStatus, Party
from marketplace.audit.services import record
from marketplace.centers.models import Offering, ServiceCenter
from marketplace.crypto import decrypt
from marketplace.directory.models import Counselor
from marketplace.entities.models import Entity
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction, scoped
from marketplace.needs.models import Need, NeedStatus
from marketplace.providers.models import ReviewNote
from marketplace.regions.models import Region
from marketplace.timeutil import utcnow

KINDS = ("counselor", "center")
SERVED = (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE, NeedStatus.CLOSED)
ACCEPTED = (AgreementStatus.ACCEPTED, AgreementStatus.CLOSED)
REVIEWS_SHOWN = 10
REPLY_MAX = 300
REASON_MAX = 200

# Awards (表彰) are built by another area: it registers a function (kind, provider id) -> list of
# {"title": str, "year": int, "by": str}; the page lists whatever the registered sources return.
AWARD_SOURCES: list[Callable[[str, int], list[dict]]] = []


def register_award_source(source: Callable[[str, int], list[dict]]) -> None:
    if source not in AWARD_SOURCES:
        AWARD_SOURCES.append(source)


def awards(kind: str, provider_id: int) -> list[dict]:
    return [award for source in AWARD_SOURCES for award in source(kind, provider_id)]


def _model(kind: str):
    if kind not in KINDS:
        abort(404)
    return Counselor if kind == "counselor" else ServiceCenter


def is_own(user: User | None, kind: str, provider: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return (provider.user_id == user.id) if kind == "counselor" else (provider.owner_id == user.id)


def visible_provider(kind: str, provider_id: int, user: User | None):
    """The counselor or center if the reader may see its page: a public one (an appointed counselor, a filed
    center) for everyone; otherwise only its officials and the provider itself. 404 otherwise."""
    model = _model(kind)
    provider = db.session.get(model, provider_id)
    if provider is None:
        abort(404)
    if provider.is_public or is_own(user, kind, provider):
        return provider
    if user is not None and user.is_authenticated and user.is_official and db.session.scalar(
            scoped(model, user).where(model.id == provider_id).with_only_columns(model.id)) is not None:
        return provider
    abort(404)


def _provider_column(kind: str, model):
    return model.counselor_id if kind == "counselor" else model.center_id


def _need_column(kind: str):
    return Need.assigned_counselor_id if kind == "counselor" else Need.assigned_center_id


def _needs_by_status(kind: str, provider_id: int) -> list[tuple]:
    column = _need_column(kind)
    return db.session.execute(select(Need.status, Need.category, Need.industry, func.count()).where(
        column == provider_id, Need.status.in_(SERVED)).group_by(Need.status, Need.category, Need.industry)).all()


def needs_served(kind: str, provider_id: int, rows: list[tuple] | None = None) -> dict:
    """Needs assigned to the provider (taken, in service, closed), counted by type and by industry."""
    rows = _needs_by_status(kind, provider_id) if rows is None else rows
    by_type: dict[int, int] = {}
    by_industry: dict[int, int] = {}
    for _status, category, industry, n in rows:
        by_type[category] = by_type.get(category, 0) + n
        if industry:
            by_industry[industry] = by_industry.get(industry, 0) + n
    return {"by_type": by_type, "by_industry": by_industry, "total": sum(by_type.values())}


def current_load(kind: str, provider: Any, rows: list[tuple] | None = None) -> dict:
    """Open assignments (taken or in service); a counselor's against the capacity in the directory."""
    rows = _needs_by_status(kind, provider.id) if rows is None else rows
    n = sum(count for status, _c, _i, count in rows if status in (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE))
    return {"open": n, "capacity": provider.capacity if kind == "counselor" else None}


@dataclass
class Satisfaction:
    count: int = 0
    mean: float | None = None
    spread: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(5, 0, -1), 0))
    stdev: float | None = None


def _agreement_figures(kind: str, provider_id: int) -> tuple[Satisfaction, int]:
    """The ratings given at acceptance (how many, their mean, how many of each 1–5, the standard deviation)
    and the number of agreements accepted, in one query."""
    column = _provider_column(kind, Agreement)
    accepted = func.sum(case((Agreement.status.in_(ACCEPTED), 1), else_=0))
    rows = db.session.execute(select(Agreement.satisfaction, func.count(), accepted).where(
        column == provider_id).group_by(Agreement.satisfaction)).all()
    result = Satisfaction()
    for value, n, _accepted in rows:
        if value is not None:
            result.spread[int(value)] = int(n)
    result.count = sum(result.spread.values())
    if result.count:
        result.mean = sum(k * n for k, n in result.spread.items()) / result.count
        result.stdev = (sum(n * (k - result.mean) ** 2 for k, n in result.spread.items()) / result.count) ** 0.5
    return result, sum(int(a or 0) for _v, _n, a in rows)


def satisfaction(kind: str, provider_id: int) -> Satisfaction:
    return _agreement_figures(kind, provider_id)[0]


def agreements_accepted(kind: str, provider_id: int) -> int:
    return _agreement_figures(kind, provider_id)[1]


def training_hours(kind: str, provider: Any) -> Decimal | None:
    if kind != "counselor":
        return None
    from marketplace.training.models import TrainingEnrollment

    return db.session.scalar(select(func.coalesce(func.sum(TrainingEnrollment.hours), 0)).where(
        TrainingEnrollment.counselor_id == provider.id, TrainingEnrollment.attended.is_(True)))


def latest_grade(kind: str, provider_id: int) -> str | None:
    from marketplace.evaluation.services import latest_grade as grades

    return grades(kind, [provider_id]).get(provider_id)


@dataclass
class Review:
    agreement_id: int
    rating: int
    comment: str | None
    rated_at: Any
    entity_type: Any
    county: str
    reply: str | None = None
    replied_at: Any = None
    hidden_reason: str | None = None
    is_hidden: bool = False
    can_reply: bool = False
    can_hide: bool = False


def reviews(kind: str, provider_id: int, viewer: User | None, limit: int = REVIEWS_SHOWN) -> list[Review]:
    """The latest rated agreements' reviews: rating, comment, the entity's type and county (never a name or
    a phone), the provider's answer. Hidden ones are left out, except for officials of their jurisdiction."""
    column = _provider_column(kind, Agreement)
    official = viewer is not None and viewer.is_authenticated and viewer.is_official
    county = aliased(Region)
    query = (select(Agreement.id, Agreement.satisfaction, Agreement.satisfaction_comment, Agreement.rated_at,
                    Agreement.region_code, Agreement.provider_user_id, Entity.type, county.name, ReviewNote)
             .join(Entity, Entity.id == Agreement.entity_id)
             .outerjoin(county, county.code == func.substr(Entity.region_code, 1, 6))
             .outerjoin(ReviewNote, ReviewNote.agreement_id == Agreement.id)
             .where(column == provider_id, Agreement.satisfaction.is_not(None)))
    if not official:
        query = query.where(ReviewNote.hidden_at.is_(None))
    rows = db.session.execute(query.order_by(Agreement.rated_at.desc(), Agreement.id.desc()).limit(limit)).all()
    result = []
    for agreement_id, rating, comment, rated_at, region_code, provider_user_id, entity_type, county_name, note \
            in rows:
        in_scope = official and region_in_jurisdiction(region_code, viewer)
        if official and note is not None and note.is_hidden and not in_scope:
            continue
        own = viewer is not None and viewer.is_authenticated and provider_user_id == viewer.id
        result.append(Review(
            agreement_id=agreement_id, rating=rating, comment=comment, rated_at=rated_at, entity_type=entity_type,
            county=county_name or "", reply=note.reply if note else None,
            replied_at=note.replied_at if note else None, hidden_reason=note.hidden_reason if note else None,
            is_hidden=bool(note and note.is_hidden),
            can_reply=own and bool(comment) and not (note and note.reply),
            can_hide=bool(in_scope) and not (note and note.is_hidden)))
    return result


def _note(agreement: Agreement) -> ReviewNote:
    note = db.session.get(ReviewNote, agreement.id)
    if note is None:
        note = ReviewNote(agreement_id=agreement.id, region_code=agreement.region_code)
        db.session.add(note)
    return note


def rated_agreement_or_404(agreement_id: int) -> Agreement:
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or agreement.satisfaction is None:
        abort(404)
    return agreement


def _clean(text: str | None, limit: int, message: str, field_name: str) -> str:
    from marketplace.providers.threads import refuse_personal_data

    text = (text or "").strip()
    if not text:
        raise DomainError(message, field=field_name)
    if len(text) > limit:
        raise DomainError(_("不能超过 %(n)d 个字", n=limit), field=field_name)
    refuse_personal_data(text, field_name)
    return text


def can_reply(actor: User | None, agreement: Agreement) -> bool:
    from marketplace.agreements.services import party_of

    return actor is not None and actor.is_authenticated and party_of(actor, agreement) is Party.PROVIDER


def can_hide(actor: User | None, agreement: Agreement) -> bool:
    return bool(actor is not None and actor.is_authenticated and actor.is_official
                and region_in_jurisdiction(agreement.region_code, actor))


def reply_to_review(agreement: Agreement, actor: User, text: str) -> ReviewNote:
    """The provider's one answer to the operator's comment."""
    if not can_reply(actor, agreement):
        raise NotAllowed(_("只有被评价的服务方可以回复"))
    if not agreement.satisfaction_comment:
        raise Conflict(_("这条评价没有文字评论，无需回复"))
    note = _note(agreement)
    if note.reply:
        raise Conflict(_("每条评价只能回复一次"))
    note.reply = _clean(text, REPLY_MAX, _("请填写回复"), "reply")
    note.replied_by_id, note.replied_at = actor.id, utcnow()
    db.session.flush()
    record(actor, "review.reply", agreement)
    return note


def hide_review(agreement: Agreement, actor: User, reason: str) -> ReviewNote:
    """An official of the jurisdiction hides an abusive review, stating why (audited)."""
    if not can_hide(actor, agreement):
        raise NotAllowed(_("只有辖区内的管理部门可以隐藏评价"))
    note = _note(agreement)
    if note.is_hidden:
        raise Conflict(_("这条评价已隐藏"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写隐藏的原因"), field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(_("不能超过 %(n)d 个字", n=REASON_MAX), field="reason")
    note.hidden_reason, note.hidden_by_id, note.hidden_at = reason, actor.id, utcnow()
    db.session.flush()
    record(actor, "review.hide", agreement, reason=reason)
    return note


def offerings_with_history(center: ServiceCenter) -> list[Offering]:
    from sqlalchemy.orm import selectinload

    return list(db.session.scalars(select(Offering).where(Offering.center_id == center.id,
                                                         Offering.is_active.is_(True))
                                   .options(selectinload(Offering.price_changes)).order_by(Offering.id)))


def page(kind: str, provider: Any, viewer: User | None) -> dict:
    """Everything a provider page shows. `signed_in` adds the load, the record in detail, the spread of the
    ratings, the latest grade and training hours; the public sees the summary only."""
    signed_in = viewer is not None and viewer.is_authenticated
    figures = _agreement_figures(kind, provider.id)
    data: dict[str, Any] = {
        "kind": kind, "provider": provider, "signed_in": signed_in,
        "satisfaction": figures[0], "accepted": figures[1],
        "reviews": reviews(kind, provider.id, viewer),
        "awards": awards(kind, provider.id),
        "offerings": offerings_with_history(provider) if kind == "center" else [],
        "areas": list(provider.service_areas),
        "is_own": is_own(viewer, kind, provider),
        "load": None, "served": None, "grade": None, "hours": None,
    }
    if signed_in:
        rows = _needs_by_status(kind, provider.id)
        data.update(load=current_load(kind, provider, rows), served=needs_served(kind, provider.id, rows),
                    grade=latest_grade(kind, provider.id), hours=training_hours(kind, provider))
    return data


# --- the provider's contact for the operator ------------------------------------------------------------------

@dataclass
class ProviderContact:
    name: str
    phone: str | None


def provider_contact_for(user: User, need: Need) -> ProviderContact | None:
    """The accepted provider's contact, unmasked, for the need's operator (to arrange the agreement and the
    work), as the farm's contact is shown to the provider; the view is audited. None for anyone else."""
    if user.role is not Role.OPERATOR or need.owner_id != user.id or need.status not in SERVED:
        return None
    if need.assigned_counselor_id is not None:
        counselor = db.session.get(Counselor, need.assigned_counselor_id)
        contact = ProviderContact(counselor.name, decrypt(counselor.phone_cipher))
    elif need.assigned_center_id is not None:
        center = db.session.get(ServiceCenter, need.assigned_center_id)
        contact = ProviderContact(center.name, center.contact_phone)
    else:
        return None
    record(user, "need.view_provider_contact", need, purpose="主体联系已接受邀请的服务方、商定服务")
    return contact
