"""A believable previous year (2025) for the demo around 正定县 and 行唐县 (called by `demo.services.seed_demo`
after the agreements demo, before the oversight demo evaluates that year).

More cooperatives and family farms post needs; the operator looks at the ranked counselors (a match log for
`flask matching train`), invites one, who accepts; they sign an agreement, the counselor keeps service
records, the entity accepts item by item, rates the service and the agreement is closed; the county records
how the served entities improved. Everything goes through the domain services; only the clock is moved
afterwards: each step's new rows (and the timestamps the services set to "now") are stamped with the step's
time in 2025. Service records carry their real 2025 dates, so their hash chains verify as written.

Counselors are given different amounts of work, so the 2025 evaluation spans 优秀 to 不合格. Deterministic
(fixed seed); idempotent: nothing is made when an agreement was already accepted in that year. The ranker
stays cold-start: `flask matching train` learns from these match logs and outcomes when wanted.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select, update

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.agreements import lifecycle, records
from marketplace.agreements import services as agreements
from marketplace.agreements.models import Agreement, RecordKind
from marketplace.directory.models import Counselor, Industry, Specialty
from marketplace.directory.services import link_account
from marketplace.entities import services as entities
from marketplace.entities.models import Entity, EntityType, ModelLevel
from marketplace.errors import DomainError
from marketplace.evaluation.services import record_improvement, year_bounds
from marketplace.extensions import db
from marketplace.needs import candidates, invitations
from marketplace.needs import services as needs
from marketplace.needs.models import ServiceMode, Urgency
from marketplace.regions.services import current_children

log = logging.getLogger(__name__)
YEAR = 2025
SEED = 2025
CST = 8  # the demo's working hours are Beijing time; stored as UTC
LAST_START = date(YEAR, 11, 10)  # the last need of the year; its agreement closes before the year ends

# username, display name, county, township index, type, entity name, representative, industries, members, mu
OPERATORS = [
    ("coop_xibaitang", "正定县西柏棠蔬菜种植专业合作社 韩立军", "130123", 1, EntityType.COOPERATIVE,
     "正定县西柏棠蔬菜种植专业合作社", "韩立军", Industry.VEGETABLE, 68, 420),
    ("farm_li", "正定县李家家庭农场 李永强", "130123", 2, EntityType.FAMILY_FARM,
     "正定县曲阳桥李家家庭农场", "李永强", Industry.GRAIN | Industry.VEGETABLE, None, 260),
    ("coop_xinchengpu", "正定县新城铺梨果专业合作社 赵秋菊", "130123", 3, EntityType.COOPERATIVE,
     "正定县新城铺梨果专业合作社", "赵秋菊", Industry.FRUIT, 45, 610),
    ("coop_nanniu", "正定县南牛小麦种植专业合作社 张保华", "130123", 4, EntityType.COOPERATIVE,
     "正定县南牛小麦种植专业合作社", "张保华", Industry.GRAIN | Industry.PROCESSING, 93, 1850),
    ("coop_longzhou", "行唐县龙州大枣种植专业合作社 郭树林", "130125", 0, EntityType.COOPERATIVE,
     "行唐县龙州大枣种植专业合作社", "郭树林", Industry.FRUIT | Industry.PROCESSING, 57, 730),
    ("coop_shangbei", "行唐县上碑红薯专业合作社 田玉梅", "130125", 1, EntityType.COOPERATIVE,
     "行唐县上碑红薯专业合作社", "田玉梅", Industry.VEGETABLE | Industry.PROCESSING, 39, 380),
    ("farm_zhao_xt", "行唐县赵家家庭农场 赵满仓", "130125", 2, EntityType.FAMILY_FARM,
     "行唐县口头赵家家庭农场", "赵满仓", Industry.LIVESTOCK | Industry.GRAIN, None, 150),
]
# Directory records without an account that get one (the first two unlinked ones of each county department).
NEW_COUNSELORS = {"130123": ["fdy_zd1", "fdy_zd2", "fdy_zd3", "fdy_zd4"],
                  "130125": ["fdy_xt1", "fdy_xt2", "fdy_xt3", "fdy_xt4"]}

# Per counselor: (needs taken = agreements accepted, records per agreement, ratings cycling over them).
PLANS = {
    "fdy_liu": (6, 4, [5, 5, 4, 5, 5, 4]),
    "fdy_yang": (6, 4, [5, 5, 4, 5, 5, 5]),
    "fdy_zd1": (4, 3, [4, 5, 4, 4]),
    "fdy_xt1": (4, 3, [5, 4, 4, 5]),
    "fdy_zd4": (4, 3, [5, 4, 4, 5]),
    "fdy_xt4": (3, 3, [4, 4, 5]),
    "fdy_chen": (3, 2, [4, 3, 4]),
    "fdy_zd3": (3, 2, [4, 4, 3]),
    "fdy_xt3": (3, 3, [4, 4, 5]),
    "fdy_xt2": (2, 2, [3, 4]),
    "fdy_zd2": (1, 2, [3]),
}
IMPROVED = [4, 4, 3, 2, 4, 3, 3, 4, 4, 2, 3]  # dimensions improved, per served entity in turn
RECORD_TEXTS = [
    (RecordKind.VISIT, "上门走访，了解{entity}经营现状和存在的问题，商定服务计划。"),
    (RecordKind.TRAINING, "为{entity}理事会成员和骨干开展专题培训 3 学时，讲解{topic}。"),
    (RecordKind.REMOTE, "电话和微信远程指导，解答{topic}方面的具体问题。"),
    (RecordKind.DOCUMENTS, "帮助{entity}起草并修订{topic}相关制度文本和台账模板。"),
    (RecordKind.VISIT, "回访{entity}，检查{topic}措施落实情况，提出改进意见。"),
]
TOPICS = {
    Specialty.ORGANIZATION: "章程修订和成员大会制度", Specialty.OPERATION: "内部管理和生产记录",
    Specialty.FINANCE: "会计核算和成员账户", Specialty.MARKETING: "品牌打造和线上销售",
    Specialty.GREEN: "绿色食品认证和减肥减药", Specialty.TECHNICAL: "栽培和水肥一体化技术",
    Specialty.QUALITY: "产品分级和质量追溯", Specialty.CREDIT: "信贷申请和农业保险",
}
COMMENTS = {5: "辅导员非常专业，问题都解决了", 4: "服务认真，效果不错", 3: "基本达到预期，希望回访更及时"}


@dataclass
class Story:
    counselor: Counselor
    user: User
    entity: Entity
    operator: User
    category: Specialty
    start: date
    n_records: int
    rating: int


def seed_history_demo() -> None:
    start, end = year_bounds(YEAR)
    if db.session.scalar(select(Agreement.id).where(Agreement.accepted_at >= start, Agreement.accepted_at < end)
                         .limit(1)) is not None:
        return
    officials = {code: db.session.scalar(select(User).where(User.role == Role.OFFICIAL,
                                                            User.region_code == code).order_by(User.id))
                 for code in ("130123", "130125")}
    if None in officials.values():
        return
    rng = random.Random(SEED)
    clock = Clock()
    owned = _entities(officials, clock)
    counselors = _counselors(officials)
    stories = _plan(rng, counselors, owned)
    for story in stories:
        try:
            with db.session.begin_nested():
                _live(story, clock, rng)
        except DomainError as error:  # the demo must not stop the seeding of everything else
            log.warning("demo history: %s / %s not made: %s", story.counselor.name, story.entity.name, error.message)
    _improvements(rng, officials, stories)
    db.session.flush()


# --- who ---------------------------------------------------------------------------------------------------

def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _credit_code(prefix: str, county: str, rng: random.Random) -> str:
    from stdnum.cn import uscc

    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = f"{prefix}{county}MA0" + "".join(rng.choice(alphabet) for _ in range(6))
    return body + uscc.calc_check_digit(body)


def _entities(officials: dict[str, User], clock: Clock) -> list[tuple[Entity, User]]:
    """The demo entities of the two counties with their operators: the existing ones and seven more,
    registered and verified early in the year."""
    from marketplace.demo.services import DEMO_PASSWORD

    rng = random.Random(SEED + 1)
    for n, (username, display, county, town, kind, name, person, industries, members, mu) in enumerate(OPERATORS):
        user = _user(username)
        if user is None:
            user = accounts.register_account(accounts.NewAccount(
                username=username, display_name=display, role=Role.OPERATOR, region_code=county,
                phone=f"1393110{1000 + n:04d}"), DEMO_PASSWORD)
        if db.session.scalar(select(Entity.id).where(Entity.owner_id == user.id)) is not None:
            continue
        towns = current_children(county)
        entity = entities.register_entity(user, entities.EntityInput(
            type=kind, name=name, credit_code=_credit_code("92" if kind is EntityType.FAMILY_FARM else "93", county,
                                                           rng),
            legal_representative=person, contact_phone=f"1393110{1000 + n:04d}",
            region_code=towns[town % len(towns)].code if towns else county, industries=industries,
            members=members, area_mu=mu, model_level=ModelLevel.NONE, founded_year=2012 + n))
        entities.verify_entity(officials[county], entity, True, "已核对营业执照")
        clock.stamp(_at(date(YEAR, 1, 6) + timedelta(days=3 * n), 10))
    pairs = db.session.execute(select(Entity, User).join(User, Entity.owner_id == User.id).where(
        func.substr(Entity.region_code, 1, 6).in_(tuple(officials))).order_by(Entity.id)).all()
    return [(entity, user) for entity, user in pairs]


def _counselors(officials: dict[str, User]) -> dict[str, tuple[Counselor, User]]:
    """The counselors with an account in the two counties, giving accounts to a few more directory records."""
    from marketplace.demo.services import _issue

    for county, usernames in NEW_COUNSELORS.items():
        for n, username in enumerate(usernames):
            if _user(username) is not None:
                continue
            counselor = db.session.scalar(select(Counselor).where(  # the longest serving first
                Counselor.department_id == officials[county].department_id, Counselor.user_id.is_(None))
                .order_by(Counselor.appointed_on, Counselor.id).limit(1))
            if counselor is None:
                continue
            user = _issue(officials[county], username, counselor.name, Role.COUNSELOR, counselor.region_code[:6],
                          f"138031{county[-3:]}{n:02d}", email=f"{username}@demo.fudao.local")
            link_account(officials[county], counselor, user)
    found = {}
    for username in PLANS:
        user = _user(username)
        counselor = user and db.session.scalar(select(Counselor).where(Counselor.user_id == user.id))
        if counselor is not None:
            found[username] = (counselor, user)
    return found


def _plan(rng: random.Random, counselors: dict, owned: list[tuple[Entity, User]]) -> list[Story]:
    """Each counselor's agreements of the year, spread over its county's entities, in date order."""
    stories = []
    for username, (count, n_records, ratings) in PLANS.items():
        if username not in counselors:
            continue
        counselor, user = counselors[username]
        county = counselor.department_region_code
        local = [(e, u) for e, u in owned if e.region_code.startswith(county)]
        specialties = [s for s in Specialty if counselor.specialties & s] or [Specialty.FINANCE]
        offset = rng.randrange(len(local))
        # Work starts a fortnight after the appointment; a counselor appointed late in the year does less.
        first = max(date(YEAR, 2, 10), counselor.appointed_on + timedelta(days=14))
        span = (LAST_START - first).days
        if span < 0:
            continue
        count = min(count, 1 + span // 30)
        for n in range(count):
            entity, operator = local[(offset + n) % len(local)]
            start = first + timedelta(days=n * span // count + rng.randrange(min(20, span // count + 1)))
            stories.append(Story(counselor, user, entity, operator, specialties[n % len(specialties)], start,
                                 n_records + rng.randrange(2), ratings[n % len(ratings)]))
    return sorted(stories, key=lambda s: (s.start, s.counselor.id))


# --- one agreement's life ----------------------------------------------------------------------------------

class Clock:
    """Moves the rows a step made to that step's time: every table's rows added since the last stamp."""

    TABLES = {"entities": ("created_at", "updated_at", "verified_at"), "needs": ("created_at", "updated_at"),
              "need_events": ("created_at",),
              "invitations": ("created_at",), "match_logs": ("created_at",), "agreements": ("created_at",),
              "agreement_events": ("created_at",), "agreement_signatures": ("signed_at",),
              "service_records": ("created_at",), "audit_entries": ("created_at",),
              "notifications": ("created_at", "read_at", "emailed_at")}

    def __init__(self) -> None:
        self.tables = {name: db.Model.metadata.tables[name] for name in self.TABLES}
        self.marks = {name: self._max(name) for name in self.TABLES}

    def _max(self, name: str) -> int:
        return db.session.scalar(select(func.max(self.tables[name].c.id))) or 0

    def stamp(self, when: datetime) -> None:
        db.session.flush()
        for name, columns in self.TABLES.items():
            table = self.tables[name]
            db.session.execute(update(table).where(table.c.id > self.marks[name])
                               .values({column: when for column in columns}))
            self.marks[name] = self._max(name)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour - CST, minute), tzinfo=UTC)


def _live(story: Story, clock: Clock, rng: random.Random) -> None:
    from marketplace.needs.demo import TITLES

    s, day = story, story.start
    title, description = TITLES[s.category]
    need = needs.create_need(s.operator, s.entity, needs.NeedInput(
        category=int(s.category), industry=int(s.entity.industries & -s.entity.industries), title=title,
        description=description, urgency=Urgency.URGENT if rng.random() < 0.3 else Urgency.NORMAL,
        mode=ServiceMode.ON_SITE, budget=rng.choice([None, 1500, 2000, 3000])), publish=True)
    published = _at(day, 9, rng.randrange(60))
    clock.stamp(published)
    candidates.rank_candidates(need, "counselor", log_for=s.operator)  # what the operator saw: the match log
    clock.stamp(published + timedelta(minutes=3))
    invitation = invitations.invite(s.operator, need, "counselor", s.counselor.id, now=published)
    clock.stamp(published + timedelta(minutes=8))
    answered = _at(day, 14, rng.randrange(60)) + timedelta(days=rng.randrange(2))
    invitations.answer(s.user, invitation, True, now=answered)
    clock.stamp(answered)
    drafted = answered + timedelta(hours=2)
    agreement = agreements.create_from_invitation(s.operator, invitation, today=drafted.date())
    lifecycle.propose(agreement, s.operator)
    clock.stamp(drafted)
    signed = drafted + timedelta(days=1)
    lifecycle.sign(agreement, s.operator, "10.12.3.45", "Mozilla/5.0 (demo)", now=signed)
    lifecycle.sign(agreement, s.user, "10.12.7.21", "Mozilla/5.0 (demo)", now=signed + timedelta(hours=3))
    clock.stamp(signed)
    started = signed + timedelta(days=1)
    lifecycle.start(agreement, s.user)
    clock.stamp(started)
    served_on = started.date()
    topic = TOPICS[s.category]
    for n in range(s.n_records):
        kind, text = RECORD_TEXTS[n % len(RECORD_TEXTS)]
        records.add_record(s.user, agreement, records.RecordInput(
            served_on=served_on, kind=kind, content=text.format(entity=s.entity.name, topic=topic),
            participants=f"{s.counselor.name}（辅导员）、{s.entity.legal_representative}",
            place="远程" if kind is RecordKind.REMOTE else s.entity.address or s.entity.name), today=served_on)
        clock.stamp(_at(served_on, 18))
        served_on += timedelta(days=3 + rng.randrange(6))
    submitted = _at(served_on, 10)
    lifecycle.submit(agreement, s.user, "服务项目已完成，请验收", now=submitted)
    clock.stamp(submitted)
    accepted = submitted + timedelta(days=1 + rng.randrange(4))
    checks = [lifecycle.ItemCheck(item.id, True, "已核对") for item in agreement.items]
    lifecycle.accept(agreement, s.operator, checks, s.rating, COMMENTS.get(s.rating, ""), now=accepted)
    clock.stamp(accepted)
    closed = accepted + timedelta(days=2)
    lifecycle.close(agreement, s.operator)
    clock.stamp(closed)
    # The timestamps the services set on existing rows, moved to the same steps.
    db.session.execute(update(Agreement).where(Agreement.id == agreement.id).values(
        proposed_at=drafted, signed_at=signed + timedelta(hours=3), started_at=started, updated_at=closed,
        closed_at=closed).execution_options(synchronize_session=False))
    need_table = db.Model.metadata.tables["needs"]
    db.session.execute(update(need_table).where(need_table.c.id == need.id).values(
        opened_at=published, updated_at=accepted))
    db.session.expire_all()


def _improvements(rng: random.Random, officials: dict[str, User], stories: list[Story]) -> None:
    """The county's record of how each served entity did in the year: of the four dimensions, between one and
    all four went up."""
    served = sorted({story.entity.id for story in stories})
    for n, entity_id in enumerate(served):
        entity = db.session.get(Entity, entity_id)
        up = IMPROVED[n % len(IMPROVED)]
        checklist = 55 + rng.randrange(15)
        members = entity.members  # family farms report none
        revenue = 80 + rng.randrange(200)
        values = {
            "checklist_before": checklist, "checklist_after": checklist + (8 + rng.randrange(10) if up >= 1 else 0),
            "revenue_before": revenue, "revenue_after": revenue + (12 + rng.randrange(30) if up >= 2 else 0),
            "members_before": members,
            "members_after": None if members is None else members + (3 + rng.randrange(6) if up >= 3 else 0),
            "model_level_before": ModelLevel.NONE,
            "model_level_after": ModelLevel.COUNTY if up >= 4 else ModelLevel.NONE,
            "note": "年度数据维护时核实",
        }
        record_improvement(officials[entity.region_code[:6]], entity_id, YEAR, values)
