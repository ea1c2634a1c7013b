"""Benchmark: the directory list page and API over 100,000 counselors on PostgreSQL.

    .venv/bin/python bench/directory_search.py [--counselors 100000] [--runs 30]

Creates a scratch database on 127.0.0.1:5432 (dropped afterwards), migrates it, loads every region, gives
each current county a department and spreads the counselors over them, then times requests through the
Flask test client as a national, a provincial and a county official (the whole stack: scope, filters,
count, page, template).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from bench.scratch import bench_app, scratch_database

GIVEN = ["建国", "秀英", "志强", "丽娟", "海涛", "春生"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with scratch_database("fudao_bench") as url:
        run(url, args.counselors, args.runs)


def run(url: str, count: int, runs: int) -> None:

    from marketplace.accounts.models import Department, Role, User
    from marketplace.accounts.passwords import hash_password
    from marketplace.directory.models import Counselor, CounselorStatus, Source, WorkMode
    from marketplace.extensions import db
    from marketplace.regions.models import Level

    app, counties = bench_app(url)
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(insert(Department), [
            {"name": r.full_name + "农业农村局", "level": Level.COUNTY, "region_code": r.code} for r in counties
        ] + [{"name": "农业农村部", "level": Level.NATIONAL, "region_code": "000000"},
             {"name": "河北省农业农村厅", "level": Level.PROVINCE, "region_code": "130000"}])
        departments = {d.region_code: d for d in db.session.scalars(select(Department))}
        rng = random.Random(7)
        rows = []
        for i in range(count):
            county = counties[rng.randrange(len(counties))]
            appointed = date(2023, 1, 1) + timedelta(days=rng.randrange(900))
            rows.append({
                "name": rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(GIVEN),
                "gender": rng.choice(["male", "female"]), "birth_date": date(1970, 1, 1),
                "id_number_hash": f"{i:064x}", "id_number_cipher": "x", "id_number_masked": "1301**********0000",
                "phone_cipher": "x", "phone_masked": "139****0000", "region_code": county.code,
                "specialties": 1 << rng.randrange(8), "industries": 1 << rng.randrange(8),
                "work_mode": rng.choice(list(WorkMode)), "source": rng.choice(list(Source)),
                "department_id": departments[county.code].id, "department_region_code": county.code,
                "appointed_on": appointed, "term_end": appointed + timedelta(days=3 * 365),
                "certificate_no": f"{county.code}-2025-{i:06d}", "status": CounselorStatus.APPOINTED,
                "is_remote": False, "capacity": 5,
            })
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(Counselor), rows[start:start + 10_000])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"loaded {count} counselors over {len(counties)} counties in {time.perf_counter() - started:.1f}s")
        officials = {}
        for label, code in (("national", "000000"), ("province", "130000"), ("county", "130123")):
            user = User(username=f"bench_{label}", display_name=label, role=Role.OFFICIAL,
                        department_id=departments[code].id, region_code=code, must_change_password=False,
                        password_hash=hash_password("Bench#Pass2026"))
            db.session.add(user)
            officials[label] = user
        db.session.commit()
        names = {k: u.username for k, u in officials.items()}

    cases = [
        ("national", "/directory/"),
        ("national", "/directory/?specialty=4&industry=1"),
        ("national", "/directory/?region_code=130000&sort=name"),
        ("national", "/directory/?q=王建国"),
        ("province", "/directory/"),
        ("province", "/directory/?status=appointed&work_mode=full_time&page=20"),
        ("county", "/directory/"),
        ("national", "/api/v1/counselors?per_page=50"),
        ("anonymous", "/public/counselors"),
        ("anonymous", "/public/counselors?specialty=4"),
        ("anonymous, exact count", "/public/counselors"),
        ("anonymous, exact count", "/public/counselors?specialty=4"),
    ]
    print("| user | request | p50 ms | p95 ms |\n|---|---|---|---|")
    for who, path in cases:
        client = app.test_client()
        headers = {}
        # the public directory counts up to PUBLIC_COUNT_CAP; "exact count" lifts the cap (the count before)
        app.config["PUBLIC_COUNT_CAP"] = 10**9 if who.endswith("exact count") else 10_000
        if who.startswith("anonymous"):
            pass
        elif path.startswith("/api/"):
            token = client.post("/api/v1/auth/token", json={"username": names[who], "password": "Bench#Pass2026"})
            headers["Authorization"] = "Bearer " + token.get_json()["token"]
        else:
            client.post("/auth/login", data={"username": names[who], "password": "Bench#Pass2026"})
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"| {who} | `{path}` | {statistics.median(timings):.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
