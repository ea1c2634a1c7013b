"""Benchmark: a 30,000-row counselor import (read + validate + write) against DATABASE_URL.

    createdb -h 127.0.0.1 -U postgres fudao_bench
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/fudao_bench \
        .venv/bin/python bench/import_counselors.py --rows 30000
    dropdb -h 127.0.0.1 -U postgres fudao_bench

Migrates the database (flask_migrate.upgrade), loads Hebei's regions (province 13), creates the Hebei
province official, writes a valid xlsx (correct check characters, regions all over Hebei), then times the
import the way the background task runs it: check every row, then write in one transaction and commit.
Run twice: the second run re-imports the same people (all unchanged) — the update path.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build_file(rows: int, county_codes: list[str], seed: int = 7) -> bytes:
    """A valid import file; ID numbers are unique by (county, birth date, sequence)."""
    from openpyxl import Workbook
    from stdnum.cn import ric

    from marketplace.directory.imports import COLUMNS

    rng = random.Random(seed)
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("辅导员名录")
    sheet.append([c.header for c in COLUMNS])
    specialties = ["组织建设", "规范运营", "财务会计", "市场营销", "绿色发展", "技术支持", "质量标准", "信贷保险"]
    industries = ["粮油作物", "果树", "蔬菜", "畜牧养殖", "水产养殖", "休闲农业", "农产品加工", "其他"]
    sources = ["乡土专家", "种养能手", "农技员", "科研人员或学者"]
    for n in range(rows):
        county = county_codes[n % len(county_codes)]
        birth = date(1960, 1, 1) + timedelta(days=(n // len(county_codes)) % 12000)
        body = f"{county}{birth:%Y%m%d}{(n // (len(county_codes) * 12000)) % 1000:03d}"
        id_number = body + ric.calc_check_digit(body + "0")
        values = {
            "name": f"辅导员{n}", "id_number": id_number, "phone": f"139{n:08d}", "region_code": county,
            "township_code": "", "specialties": "、".join(rng.sample(specialties, 2)),
            "industries": rng.choice(industries), "work_mode": rng.choice(["专职", "兼职"]),
            "source": rng.choice(sources), "appointed_on": f"2024-{1 + n % 12:02d}-{1 + n % 28:02d}",
            "term_end": "", "political_status": "群众", "education": "大学本科", "title": "农艺师",
            "employer": "某某农民专业合作社", "position": "", "is_remote": "否", "capacity": 5,
        }
        sheet.append([values[c.key] for c in COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _issues_ids(ric, code: str) -> bool:
    """Counties python-stdnum knows as counties (ID numbers carry GB/T 2260 county codes)."""
    body = f"{code}19800101001"
    try:
        ric.validate(body + ric.calc_check_digit(body + "0"))
    except KeyError:
        return False
    except Exception:  # an unknown or historic code is only a warning
        return True
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("set DATABASE_URL (a scratch database: it is migrated and filled)")
    instance = tempfile.mkdtemp(prefix="fudao-bench-")
    os.environ["FUDAO_INSTANCE_PATH"] = instance

    from flask_migrate import upgrade
    from sqlalchemy import delete, func, select

    from marketplace import create_app
    from marketplace.accounts.models import Role, User
    from marketplace.accounts.services import ensure_department
    from marketplace.directory import imports
    from marketplace.directory.models import Counselor, CounselorEvent, counselor_service_areas
    from marketplace.extensions import db
    from marketplace.regions.models import Level, Region
    from marketplace.regions.services import load_regions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        if not db.session.get(Region, "130000"):
            load_regions(app.config["REGION_DATA_DIR"], provinces={"13"})
            db.session.commit()
        department = ensure_department(db.session.get(Region, "130000"), None)
        official = db.session.scalar(select(User).where(User.username == "bench-province"))
        if official is None:
            official = User(username="bench-province", display_name="省级管理员", role=Role.OFFICIAL,
                            region_code="130000", department=department, password_hash="-",
                            must_change_password=False)
            db.session.add(official)
        # a clean directory for the first run
        db.session.execute(delete(CounselorEvent))
        db.session.execute(delete(counselor_service_areas))
        db.session.execute(delete(Counselor))
        db.session.commit()
        from stdnum.cn import ric

        counties = [code for code in db.session.scalars(select(Region.code).where(
            Region.level == Level.COUNTY, Region.code.startswith("13"), Region.valid_to.is_(None))
            .order_by(Region.code)) if _issues_ids(ric, code)]
        started = time.perf_counter()
        data = build_file(args.rows, counties)
        path = Path(instance) / "bench.xlsx"
        path.write_bytes(data)
        print(f"file: {args.rows} rows, {len(data) / 1e6:.1f} MB, {len(counties)} Hebei counties "
              f"(generated in {time.perf_counter() - started:.1f} s)")

        for label in ("first import (all created)", "re-import (all unchanged)"):
            t0 = time.perf_counter()
            imports.check_file(path, department)
            checked = time.perf_counter() - t0
            db.session.rollback()
            t0 = time.perf_counter()
            outcome = imports.import_file(official, path)
            assert not outcome.errors, outcome.errors[:5]
            db.session.commit()
            total = time.perf_counter() - t0
            count = db.session.scalar(select(func.count()).select_from(Counselor))
            print(f"{label}: read+validate {checked:.2f} s; read+validate+write+commit {total:.2f} s; "
                  f"created {outcome.created}, updated {outcome.updated}, unchanged {outcome.unchanged}; "
                  f"{count} counselors in the table")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS: {peak:.0f} MB ({db.engine.dialect.name}, {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
