"""Demo entities, needs and an invitation for the demo operators (called by `demo.services.seed_demo`).

Idempotent: nothing is created when the demo cooperative is already registered.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from stdnum.cn import uscc

from marketplace.accounts.models import User
from marketplace.directory.models import Counselor, Industry, Specialty
from marketplace.entities import services as entities
from marketplace.entities.models import Entity, EntityType, ModelLevel
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.needs import invitations, services
from marketplace.needs.models import ServiceMode, Urgency
from marketplace.regions.services import current_children

log = logging.getLogger(__name__)

TITLES = {
    Specialty.ORGANIZATION: ("完善合作社章程和成员大会制度",
                             "成员增加到一百多户，想修订章程、规范成员大会和理事会的议事规则。"),
    Specialty.OPERATION: ("规范合作社内部管理制度", "希望建立生产记录、质量追溯和盈余分配等内部管理制度。"),
    Specialty.FINANCE: ("建立规范的财务账簿和年度报告",
                        "合作社目前只有流水账，需要帮助建立会计账簿、成员账户，编制年度财务报告。"),
    Specialty.MARKETING: ("拓展果蔬线上销售渠道", "想开通电商和社区团购渠道，需要品牌包装和定价方面的指导。"),
    Specialty.GREEN: ("申请绿色食品认证", "希望了解绿色食品认证的条件和流程，减少化肥农药使用。"),
    Specialty.TECHNICAL: ("设施大棚种植技术指导", "新建 20 个日光温室，需要品种选择和水肥一体化方面的技术支持。"),
    Specialty.QUALITY: ("建立农产品质量标准体系", "需要制定产品分级标准和检测流程，准备进入商超。"),
    Specialty.CREDIT: ("申请农业信贷和保险", "扩大规模需要贷款，想了解担保贷款和政策性农业保险。"),
}


def _code(body: str) -> str:
    """A valid credit code from its first 17 characters (stdnum computes the check from those)."""
    return body + uscc.calc_check_digit(body)


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _township(county: str) -> str:
    towns = current_children(county)
    return towns[0].code if towns else county


def seed_needs_demo() -> None:
    operator = _user("coop_zhengding")
    if operator is None or db.session.scalar(select(Entity.id).where(Entity.owner_id == operator.id)):
        return
    farmer, union = _user("farm_wang"), _user("coop_union")
    coop = entities.register_entity(operator, entities.EntityInput(
        type=EntityType.COOPERATIVE, name="正定县塔元庄果蔬种植专业合作社", credit_code=_code("93130123MA0CKR5T1"),
        legal_representative="刘建军", contact_phone="13931100001", region_code="130123100",
        address="正定县正定镇塔元庄村", industries=Industry.VEGETABLE | Industry.FRUIT, members=126, area_mu=860,
        model_level=ModelLevel.PROVINCE, founded_year=2013))
    county_official = _user("zhengding")
    if county_official is not None:
        entities.verify_entity(county_official, coop, True, "已核对营业执照和成员名册")
    farm = union_entity = None
    if farmer is not None:
        farm = entities.register_entity(farmer, entities.EntityInput(
            type=EntityType.FAMILY_FARM, name="行唐县王家家庭农场", credit_code=_code("92130125MA0DW3E8K"),
            legal_representative="王德福", contact_phone="13931100002", region_code=_township("130125"),
            industries=Industry.FRUIT | Industry.GRAIN, area_mu=180, founded_year=2018))
    if union is not None:
        union_entity = entities.register_entity(union, entities.EntityInput(
            type=EntityType.FEDERATION, name="石家庄市藁城区农民专业合作社联合社",
            credit_code=_code("93130109MA0FL6H2P"),
            legal_representative="马春生", contact_phone="13931100003", region_code=_township("130109"),
            industries=Industry.GRAIN | Industry.PROCESSING, members=12, founded_year=2016))
    liu = db.session.scalar(select(Counselor).join(User, Counselor.user_id == User.id)
                            .where(User.username == "fdy_liu"))
    category = Specialty(liu.specialties & -liu.specialties) if liu is not None else Specialty.FINANCE
    title, description = TITLES[category]
    need = services.create_need(operator, coop, services.NeedInput(
        category=int(category), industry=int(Industry.VEGETABLE), title=title, description=description,
        urgency=Urgency.URGENT, mode=ServiceMode.ON_SITE, budget=3000), publish=True)
    if liu is not None:
        try:
            invitations.invite(operator, need, "counselor", liu.id)
        except DomainError as error:
            log.warning("demo invitation not made: %s", error.message)
    if farm is not None:
        title, description = TITLES[Specialty.MARKETING]
        services.create_need(farmer, farm, services.NeedInput(
            category=int(Specialty.MARKETING), industry=int(Industry.FRUIT), title=title, description=description,
            mode=ServiceMode.REMOTE), publish=True)
    if union_entity is not None:
        title, description = TITLES[Specialty.ORGANIZATION]
        services.create_need(union, union_entity, services.NeedInput(
            category=int(Specialty.ORGANIZATION), industry=int(Industry.GRAIN), title=title,
            description=description), publish=False)
    db.session.flush()
