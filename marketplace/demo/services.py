"""A realistic demo in Hebei: departments and administrators at each level, counselors, farm operators and
service-center staff. Idempotent: existing demo accounts are kept as they are.

Later areas (directory, marketplace, agreements) extend `seed_demo` with their own records.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.errors import DomainError
from marketplace.extensions import db
from marketplace.regions.models import Region
from marketplace.regions.services import current_children

DEMO_PASSWORD = "Fudao@2026"

# username, display name, region code, issued by (username)
OFFICIALS = [
    ("hebei", "河北省农业农村厅 张建国", "130000", "admin"),
    ("shijiazhuang", "石家庄市农业农村局 李红梅", "130100", "hebei"),
    ("baoding", "保定市农业农村局 王志强", "130600", "hebei"),
    ("zhengding", "正定县农业农村局 赵丽娟", "130123", "shijiazhuang"),
    ("xingtang", "行唐县农业农村局 孙海涛", "130125", "shijiazhuang"),
]
COUNSELORS = [
    ("fdy_liu", "刘桂芳", "130123", "zhengding", "13803110001"),
    ("fdy_chen", "陈志明", "130123", "zhengding", "13803110002"),
    ("fdy_yang", "杨秀英", "130125", "xingtang", "13803110003"),
    ("fdy_zhou", "周文斌", "130102", "shijiazhuang", "13803110004"),
    ("fdy_wu", "吴晓燕", "130600", "baoding", "13803110005"),
    ("fdy_xu", "徐国栋", "130000", "hebei", "13803110006"),
]
OPERATORS = [
    ("coop_zhengding", "正定县塔元庄果蔬种植专业合作社 刘建军", "130123", Role.OPERATOR, "13931100001"),
    ("farm_wang", "行唐县王家家庭农场 王德福", "130125", Role.OPERATOR, "13931100002"),
    ("coop_union", "石家庄市藁城区农民专业合作社联合社 马春生", "130109", Role.OPERATOR, "13931100003"),
    ("center_zhengding", "正定县新型农业经营主体服务中心 高丽", "130123", Role.CENTER_STAFF, "13931100004"),
    ("center_baoding", "保定市农民合作社服务中心 韩磊", "130602", Role.CENTER_STAFF, "13931100005"),
]


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def _demo_ready(user: User) -> None:
    user.password_hash = hash_password(DEMO_PASSWORD)
    user.must_change_password = False


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo accounts that are missing; return (role, username) to print as logins."""
    admin = _user("admin")
    if admin is None:
        admin = accounts.create_national_admin("admin", DEMO_PASSWORD, "农业农村部 名录库管理员")
    officials = {"admin": admin}
    for username, name, region_code, issuer in OFFICIALS:
        officials[username] = _user(username) or _issue(officials[issuer], username, name, Role.OFFICIAL,
                                                        region_code)
    township = current_children("130123")
    if township:
        town = township[0]
        officials["zhengding_town"] = _user("zhengding_town") or _issue(
            officials["zhengding"], "zhengding_town", f"{town.name}农业农村办公室 马丽", Role.OFFICIAL, town.code)
    for username, name, region_code, issuer, phone in COUNSELORS:
        if _user(username) is None:
            _issue(officials[issuer], username, name, Role.COUNSELOR, region_code, phone,
                   email=f"{username}@demo.fudao.local")
    for username, name, region_code, role, phone in OPERATORS:
        if _user(username) is None:
            accounts.register_account(accounts.NewAccount(username=username, display_name=name, role=role,
                                                          region_code=region_code, phone=phone), DEMO_PASSWORD)
    _seed_counselors(officials)
    from marketplace.needs.demo import seed_needs_demo
    seed_needs_demo()  # entities, needs and an invitation
    _seed_centers()
    from marketplace.agreements.demo import seed_agreements_demo
    seed_agreements_demo()  # agreements in several states, with service records
    from marketplace.demo.history import seed_history_demo
    seed_history_demo()  # last year's work around 正定县 and 行唐县, for the evaluation and the ranker
    from marketplace.training.demo import seed_training_demo
    seed_training_demo()  # 2025's trainings with attendance, and two planned ones
    from marketplace.notifications.demo import seed_sms_demo
    seed_sms_demo()  # SMS choices and messages of the 正定 operator; the demo prices dated in 2025
    from marketplace.providers.demo import seed_providers_demo
    seed_providers_demo()  # a question thread before inviting, a review answered, one hidden
    from marketplace.notices.demo import seed_notices_demo
    seed_notices_demo()  # 2025's notices from the province, the city and the counties, some read
    from marketplace.oversight.demo import seed_oversight_demo
    seed_oversight_demo()  # evaluation scheme, last year's results, dashboard roll-ups
    from marketplace.awards.demo import seed_awards_demo
    seed_awards_demo()  # 2025's county and city awards (one returned), a center nomination waiting
    from marketplace.directory.demo import seed_daily_demo
    seed_daily_demo()  # off-platform service (服务主体类型和数量), a counselor's own yearly confirmation
    from marketplace.reports.demo import seed_reports_demo
    seed_reports_demo()  # 2025 work reports up the ladder (accepted, returned, overdue), a published case
    db.session.flush()
    return [("国家级管理员", "admin"), ("省级管理员", "hebei"), ("市级管理员", "shijiazhuang"),
            ("县级管理员", "zhengding"), ("乡镇管理员", "zhengding_town" if township else "-"),
            ("辅导员", "fdy_liu"), ("经营主体", "coop_zhengding"), ("服务中心", "center_zhengding")]


def _issue(issuer: User, username: str, name: str, role: Role, region_code: str, phone: str | None = None,
           email: str | None = None) -> User:
    if db.session.get(Region, region_code) is None:
        raise DomainError(f"区划 {region_code} 不存在：请先运行 flask regions load")
    user, _password = accounts.create_account(issuer, accounts.NewAccount(
        username=username, display_name=name, role=role, region_code=region_code, phone=phone, email=email))
    _demo_ready(user)
    return user


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["建国", "秀英", "志强", "丽娟", "海涛", "春生", "桂芳", "文斌", "晓燕", "国栋", "玉兰", "永刚", "红梅", "德福",
         "金凤", "立新", "淑珍", "明辉", "雪梅", "振华"]
EMPLOYERS = ["县农业技术推广中心", "县农村经营管理站", "农民专业合作社", "县供销合作社", "农业职业学院",
             "农村信用合作联社"]


def demo_id_number(region_code: str, birth: date, sequence: int) -> str:
    """A valid resident ID number (correct check character) for demo data."""
    from stdnum.cn import ric

    body = f"{region_code}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


def _seed_counselors(officials: dict[str, User]) -> None:
    """Directory records: one for each demo counselor account, and some fifty more across Hebei."""
    import random

    from marketplace.directory import services as directory
    from marketplace.directory.models import Counselor, Education, PoliticalStatus, Source, WorkMode

    if db.session.scalar(select(Counselor.id).limit(1)) is not None:
        return
    rng = random.Random(2026)
    sources, modes = list(Source), list(WorkMode)

    def appoint(issuer: User, name: str, region_code: str, n: int, user: User | None = None) -> None:
        birth = date(1965 + rng.randrange(30), 1 + rng.randrange(12), 1 + rng.randrange(28))
        counselor = directory.appoint_counselor(issuer, directory.CounselorInput(
            name=name, id_number=demo_id_number(region_code[:6], birth, n),
            phone=f"139{rng.randrange(10**8):08d}", region_code=region_code,
            specialties=rng.choice([1, 2, 4, 8, 16, 32, 64, 128]) | rng.choice([0, 4, 8, 32]),
            industries=rng.choice([1, 2, 4, 8, 16, 32, 64]) | rng.choice([0, 1, 4]),
            work_mode=rng.choice(modes), source=rng.choice(sources),
            appointed_on=_appointed(date(2024 + rng.randrange(2), 1 + rng.randrange(12), 1), user),
            political_status=rng.choice(list(PoliticalStatus)), education=rng.choice(list(Education)),
            title=rng.choice(["高级农艺师", "农艺师", "会计师", "经济师", None]),
            employer=rng.choice(EMPLOYERS), is_remote=rng.random() < 0.4, capacity=rng.choice([3, 5, 8])))
        if user is not None:
            counselor.user_id = user.id

    for n, (username, name, region_code, issuer, _phone) in enumerate(COUNSELORS, start=1):
        appoint(officials[issuer], name, region_code, n, _user(username))
    places = [("zhengding", "130123"), ("xingtang", "130125"), ("shijiazhuang", "130102"),
              ("shijiazhuang", "130109"), ("baoding", "130602"), ("baoding", "130681"), ("hebei", "130100")]
    for n in range(50):
        issuer, county = places[n % len(places)]
        towns = current_children(county)
        region_code = rng.choice(towns).code if towns and rng.random() < 0.7 else county
        appoint(officials[issuer], rng.choice(SURNAMES) + rng.choice(GIVEN), region_code, 100 + n)


def _appointed(drawn: date, user: User | None) -> date:
    """The demo accounts' counselors have served since 2024, so `demo.history` can give them a whole 2025."""
    return drawn.replace(year=2024) if user is not None else drawn


def _seed_centers() -> None:
    from marketplace.centers.services import seed_centers

    seed_centers()
