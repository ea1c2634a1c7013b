"""Demo for the provider pages: a question thread before inviting (正定县's cooperative asks 刘 about its open
need, 刘 answers), the provider's answer to one review, and one review hidden by 正定县 with its reason."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement
from marketplace.directory.models import Counselor
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.needs.models import Need, NeedStatus
from marketplace.providers import services, threads
from marketplace.providers.models import NeedMessage, ReviewNote

QUESTION = "刘老师您好，我们社去年的账目比较乱，您能先上门看一次再定方案吗？费用大概怎么算？"
ANSWER = "可以，下周二上午可以到社里看账，建账按项目收费，看过后给您报价。"


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def seed_providers_demo() -> None:
    operator, provider_user, county = _user("coop_zhengding"), _user("fdy_liu"), _user("zhengding")
    if operator is None or provider_user is None:
        return
    counselor = db.session.scalar(select(Counselor).where(Counselor.user_id == provider_user.id))
    need = db.session.scalar(select(Need).where(Need.owner_id == operator.id, Need.status == NeedStatus.OPEN)
                             .order_by(Need.id))
    if counselor is not None and need is not None and db.session.scalar(
            select(NeedMessage.id).where(NeedMessage.need_id == need.id)) is None:
        candidate = threads.candidate_or_404("counselor", counselor.id)
        try:
            threads.post(operator, need, candidate, QUESTION)
            threads.post(provider_user, need, candidate, ANSWER)
        except DomainError:
            pass
    rated = db.session.scalars(select(Agreement).where(Agreement.satisfaction_comment.is_not(None))
                               .order_by(Agreement.rated_at.desc(), Agreement.id)).all()
    if db.session.scalar(select(ReviewNote.agreement_id)) is not None:
        return
    own = next((a for a in rated if a.provider_user_id == provider_user.id), None)
    if own is not None:
        services.reply_to_review(own, provider_user, "感谢认可！后续记账有问题随时在平台上留言。")
    other = next((a for a in rated if a is not own and a.region_code.startswith("130123")), None)
    if county is not None and other is not None:
        services.hide_review(other, county, "评论中含与服务无关的个人指责，按平台规则隐藏")
