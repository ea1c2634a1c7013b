"""A scratch PostgreSQL database for a benchmark: created on the server of FUDAO_BENCH_PG_ADMIN_URL (default
the local one), handed to the benchmark as a URL, dropped afterwards unless FUDAO_BENCH_KEEP=1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("FUDAO_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(prefix: str = "fudao_bench") -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if os.environ.get("FUDAO_BENCH_KEEP"):
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str):
    """The app on `url` for a benchmark: schema from the migrations, every region loaded, limits and slow
    hashing off. Returns (app, the current counties); the caller works inside `app.app_context()`."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.regions.models import Level, Region
    from marketplace.regions.services import load_regions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade(directory="migrations")
        load_regions(app.config["REGION_DATA_DIR"])
        db.session.commit()
        counties = db.session.scalars(select(Region).where(Region.level == Level.COUNTY,
                                                           Region.valid_to.is_(None))).all()
        db.session.expunge_all()
    return app, counties


def add_counselors(counties: list, count: int, seed: int = 7) -> int:
    """`count` appointed counselors spread over `counties` (Region rows), each county with its department
    (made where missing), a third with a service area, 10 % remote; written in bulk inside the app context,
    ids after the largest there, the sequence moved past them. Returns the number of service areas."""
    import random
    from datetime import date, timedelta

    from sqlalchemy import func, insert, select

    from marketplace.accounts.models import Department
    from marketplace.directory.models import Counselor, CounselorStatus, Source, WorkMode, counselor_service_areas
    from marketplace.extensions import db
    from marketplace.regions.models import Level

    have = set(db.session.scalars(select(Department.region_code)))
    missing = [{"name": r.full_name + "农业农村局", "level": Level.COUNTY, "region_code": r.code}
               for r in counties if r.code not in have]
    if missing:
        db.session.execute(insert(Department), missing)
    departments = {d.region_code: d.id for d in db.session.scalars(select(Department))}
    rng = random.Random(seed)
    first = (db.session.scalar(select(func.max(Counselor.id))) or 0) + 1
    rows, areas = [], []
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", ["建国", "秀英", "志强", "丽娟", "海涛", "春生"]
    for cid in range(first, first + count):
        county = counties[rng.randrange(len(counties))]
        appointed = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
        rows.append({
            "id": cid, "name": rng.choice(surnames) + rng.choice(given), "gender": rng.choice(["male", "female"]),
            "birth_date": date(1965 + rng.randrange(30), 1, 1),
            "id_number_hash": f"{cid:064x}", "id_number_cipher": "x", "id_number_masked": "1301**********0000",
            "phone_cipher": "x", "phone_masked": "139****0000", "region_code": county.code,
            "specialties": (1 << rng.randrange(8)) | (1 << rng.randrange(8)),
            "industries": 1 << rng.randrange(8), "work_mode": rng.choice(list(WorkMode)),
            "source": rng.choice(list(Source)), "title": rng.choice(["农艺师", "会计师", "经济师", None]),
            "employer": f"{county.name}农业服务公司", "department_id": departments[county.code],
            "department_region_code": county.code, "appointed_on": appointed,
            "term_end": appointed + timedelta(days=3 * 365), "certificate_no": f"{county.code}-2024-{cid:07d}",
            "status": CounselorStatus.APPOINTED, "is_remote": rng.random() < 0.1,
            "capacity": rng.randrange(3, 9)})
        if rng.random() < 0.33:
            areas.append({"counselor_id": cid, "region_code": county.code})
    for start in range(0, len(rows), 10_000):
        db.session.execute(insert(Counselor), rows[start:start + 10_000])
    db.session.execute(insert(counselor_service_areas), areas)
    db.session.execute(text("SELECT setval('counselors_id_seq', (SELECT max(id) FROM counselors))"))
    db.session.commit()
    return len(areas)
