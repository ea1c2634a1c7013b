"""The journeys' world, built once on the live server's database through the services (as the app would):
Hebei's regions, the department ladder down to three counties, a county official each, and for the first
journey a counselor (在聘, with a login) and a farm operator with a verified cooperative; for the third an
operator with a verified family farm and an open need. Each journey works in its own county:

| journey | county | who is here beforehand |
|---|---|---|
| 1 need → agreement → acceptance | 正定县 130123 | j1_county, j1_counselor (刘桂芳), j1_operator and its cooperative |
| 2 import → certificate → verification | 行唐县 130125 | j2_county |
| 3 center filing → offering → purchase | 灵寿县 130126 | j3_county, j3_operator with a farm and a published need |
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from stdnum.cn import uscc

from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.accounts.services import ensure_department
from marketplace.extensions import db
from marketplace.regions.models import Region

J1_COUNTY, J1_TOWN = "130123", "130123100"
J2_COUNTY = "130125"
J3_COUNTY = "130126"
COUNSELOR_NAME = "刘桂芳"
J1_ENTITY = "正定县塔元庄果蔬种植专业合作社"
J3_ENTITY = "灵寿县李家家庭农场"
J3_NEED = "帮助建立家庭农场收支账簿"


def credit_code(body: str) -> str:
    return body + uscc.calc_check_digit(body)


def _user(role: Role, username: str, name: str, region_code: str, password_hash: str, **fields) -> User:
    department = None
    if role in (Role.OFFICIAL, Role.COUNSELOR):
        department = ensure_department(db.session.get(Region, region_code), None)
    user = User(username=username, display_name=name, role=role, region_code=region_code, department=department,
                password_hash=password_hash, must_change_password=False, **fields)
    db.session.add(user)
    db.session.flush()
    return user


def build(password: str) -> dict[str, str]:
    """Create the world; return the usernames by their part in the journeys."""
    from marketplace.directory import services as directory
    from marketplace.directory.models import Education, Industry, PoliticalStatus, Source, Specialty, WorkMode
    from marketplace.entities import services as entities
    from marketplace.entities.models import EntityType, ModelLevel
    from marketplace.needs import services as needs
    from marketplace.needs.models import ServiceMode
    from marketplace.regions.services import load_regions

    load_regions(current_app.config["REGION_DATA_DIR"], provinces={"13"})
    secret = hash_password(password)
    for code in ("000000", "130000", "130100"):
        ensure_department(db.session.get(Region, code), None)
    j1_county = _user(Role.OFFICIAL, "j1_county", "正定县农业农村局 赵丽娟", J1_COUNTY, secret)
    _user(Role.OFFICIAL, "j2_county", "行唐县农业农村局 孙海涛", J2_COUNTY, secret)
    j3_county = _user(Role.OFFICIAL, "j3_county", "灵寿县农业农村局 周建华", J3_COUNTY, secret)

    counselor_user = _user(Role.COUNSELOR, "j1_counselor", COUNSELOR_NAME, J1_COUNTY, secret, phone="13803110001")
    counselor = directory.appoint_counselor(j1_county, directory.CounselorInput(
        name=COUNSELOR_NAME, id_number="130123197805120028", phone="13803110001", region_code=J1_COUNTY,
        specialties=int(Specialty.FINANCE | Specialty.OPERATION), industries=int(Industry.VEGETABLE | Industry.FRUIT),
        work_mode=WorkMode.FULL_TIME, source=Source.EXTENSION_TECHNICIAN, appointed_on=date(2024, 3, 1),
        political_status=PoliticalStatus.CPC_MEMBER,
        education=Education.BACHELOR, title="会计师", employer="正定县农村经营管理站", capacity=5))
    counselor.user_id = counselor_user.id

    j1_operator = _user(Role.OPERATOR, "j1_operator", "塔元庄果蔬合作社 刘建军", J1_TOWN, secret, phone="13931100001")
    coop = entities.register_entity(j1_operator, entities.EntityInput(
        type=EntityType.COOPERATIVE, name=J1_ENTITY, credit_code=credit_code("93130123MA0CKR5T1"),
        legal_representative="刘建军", contact_phone="13931100001", region_code=J1_TOWN, address="正定县塔元庄村",
        industries=int(Industry.VEGETABLE | Industry.FRUIT), members=126, area_mu=860,
        model_level=ModelLevel.PROVINCE, founded_year=2013))
    entities.verify_entity(j1_county, coop, True, "已核对营业执照和成员名册")

    j3_town = next(r.code for r in db.session.query(Region).filter(Region.parent_code == J3_COUNTY)
                   .order_by(Region.code))
    j3_operator = _user(Role.OPERATOR, "j3_operator", "李家家庭农场 李春来", j3_town, secret, phone="13931100009")
    farm = entities.register_entity(j3_operator, entities.EntityInput(
        type=EntityType.FAMILY_FARM, name=J3_ENTITY, legal_representative="李春来", contact_phone="13931100009",
        region_code=j3_town, address="灵寿县北关村", industries=int(Industry.VEGETABLE), area_mu=85,
        founded_year=2019))
    entities.verify_entity(j3_county, farm, True, "已核实")
    needs.create_need(j3_operator, farm, needs.NeedInput(
        category=int(Specialty.FINANCE), industry=int(Industry.VEGETABLE), title=J3_NEED,
        description="农场只有简单的流水账，想建立规范的收支账簿，申请示范家庭农场时要用。",
        mode=ServiceMode.ON_SITE, budget=2000), publish=True)
    db.session.flush()
    return {"j1_county": "j1_county", "j1_counselor": "j1_counselor", "j1_operator": "j1_operator",
            "j2_county": "j2_county", "j3_county": "j3_county", "j3_operator": "j3_operator"}
