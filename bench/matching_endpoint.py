"""Benchmark: `GET /api/v1/needs/<id>/matches` with 100,000 counselors in PostgreSQL.

    .venv/bin/python bench/matching_endpoint.py [--counselors 100000] [--runs 100]

Creates a scratch database on 127.0.0.1:5432 (dropped afterwards; FUDAO_BENCH_KEEP=1 keeps it), creates the
tables, loads every region, spreads the counselors over every county (a third with a service area, 10 %
remote, a few thousand with answered invitations), posts a need in 正定县 as an operator, then times the
endpoint through the Flask test client with a bearer token (token check, scope, the cached pool, ranking,
the live capacity check, the match log, JSON). The first request builds the pool; it is reported apart.
With `--shared`, the pool is first built and saved as the `matching.build_pool` task does, and the first
request (after dropping this process's pool) maps the saved one instead (docs/matching.md).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import bench_app, scratch_database

PASSWORD = "Bench#Pass2026"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--shared", action="store_true", help="serve from a saved, memory-mapped pool")
    args = parser.parse_args()
    with scratch_database("fudao_bench") as url, tempfile.TemporaryDirectory() as pool_dir:
        run(url, args.counselors, args.runs, pool_dir if args.shared else None)


def run(url: str, count: int, runs: int, pool_dir: str | None = None) -> None:
    from stdnum.cn import uscc

    from marketplace.accounts.models import Department, Role, User
    from marketplace.accounts.passwords import hash_password
    from marketplace.directory.models import Counselor, CounselorStatus, Source, WorkMode, counselor_service_areas
    from marketplace.entities import services as entities
    from marketplace.entities.models import EntityType
    from marketplace.extensions import db
    from marketplace.needs import services as needs
    from marketplace.needs.models import Invitation, InvitationKind, InvitationStatus
    from marketplace.regions.models import Level
    from marketplace.timeutil import utcnow

    app, counties = bench_app(url)
    empty = tempfile.mkdtemp()  # without --shared no saved pool is found: every first request builds
    app.config["MATCHING_POOL_DIR"] = pool_dir or empty
    with app.app_context():
        started = time.perf_counter()
        db.session.execute(insert(Department), [
            {"name": r.full_name + "农业农村局", "level": Level.COUNTY, "region_code": r.code} for r in counties])
        departments = {d.region_code: d.id for d in db.session.scalars(select(Department))}
        rng = random.Random(7)
        rows, areas = [], []
        for i in range(count):
            county = counties[rng.randrange(len(counties))]
            appointed = date(2025, 1, 1)
            rows.append({
                "id": i + 1, "name": f"辅导员{i + 1}", "gender": "male", "birth_date": date(1970, 1, 1),
                "id_number_hash": f"{i:064x}", "id_number_cipher": "x", "id_number_masked": "1301**********0000",
                "phone_cipher": "x", "phone_masked": "139****0000", "region_code": county.code,
                "specialties": (1 << rng.randrange(8)) | (1 << rng.randrange(8)),
                "industries": 1 << rng.randrange(8), "work_mode": WorkMode.PART_TIME, "source": Source.RURAL_EXPERT,
                "title": rng.choice(["农艺师", "会计师", "经济师", None]), "employer": f"{county.name}农业服务公司",
                "department_id": departments[county.code], "department_region_code": county.code,
                "appointed_on": appointed, "term_end": appointed + timedelta(days=3 * 365),
                "certificate_no": f"{county.code}-2025-{i:06d}", "status": CounselorStatus.APPOINTED,
                "is_remote": rng.random() < 0.1, "capacity": rng.randrange(3, 9)})
            if rng.random() < 0.33:
                areas.append({"counselor_id": i + 1, "region_code": county.code})
        for start in range(0, len(rows), 10_000):
            db.session.execute(insert(Counselor), rows[start:start + 10_000])
        db.session.execute(insert(counselor_service_areas), areas)
        db.session.execute(text("SELECT setval('counselors_id_seq', (SELECT max(id) FROM counselors))"))
        operator = User(username="bench_operator", display_name="operator", role=Role.OPERATOR,
                        region_code="130123100", must_change_password=False, password_hash=hash_password(PASSWORD))
        db.session.add(operator)
        db.session.flush()
        body = "93130123000000001"
        entity = entities.register_entity(operator, entities.EntityInput(
            type=EntityType.COOPERATIVE, name="正定县果蔬专业合作社", credit_code=body + uscc.calc_check_digit(body),
            legal_representative="刘建军", contact_phone="13931100001", region_code="130123100", industries=5))
        history = []
        for k in range(400):  # earlier needs with answered invitations, so the statistics have rows
            old = needs.create_need(operator, entity, needs.NeedInput(
                category=4, industry=1, title=f"历史需求{k}", description="建账"), publish=True)
            now = utcnow()
            for c in rng.sample(range(1, count + 1), 10):
                history.append({"need_id": old.id, "kind": InvitationKind.COUNSELOR, "counselor_id": c,
                                "candidate_name": "x", "region_code": old.region_code, "owner_id": operator.id,
                                "status": rng.choice([InvitationStatus.ACCEPTED, InvitationStatus.DECLINED]),
                                "created_at": now - timedelta(hours=30), "answered_at": now, "due_at": now})
        db.session.execute(insert(Invitation), history)
        need = needs.create_need(operator, entity, needs.NeedInput(
            category=4, industry=1, title="建立合作社财务账簿", description="需要帮助建账和年度报表。"), publish=True)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        need_id = need.id
        print(f"loaded {count} counselors over {len(counties)} counties ({len(areas)} service areas, "
              f"{len(history)} invitations) in {time.perf_counter() - started:.1f} s")

    if pool_dir is not None:
        with app.app_context():
            from marketplace.ranking.records import build_shared_pool

            started = time.perf_counter()
            print("shared pool:", build_shared_pool(min_interval=0), f"({time.perf_counter() - started:.1f} s)")
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "bench_operator", "password": PASSWORD})
    headers = {"Authorization": "Bearer " + token.get_json()["token"]}
    first_label = "first (maps the saved pool)" if pool_dir else "first (builds the pool)"
    print(f"| request | {first_label} ms | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    for query in ("kind=counselor&limit=10", "kind=all&limit=10", "kind=counselor&limit=50"):
        path = f"/api/v1/needs/{need_id}/matches?{query}"
        with app.app_context():
            from marketplace.ranking.records import invalidate

            invalidate()
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        first = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["items"], "no candidates"
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"| `GET /api/v1/needs/<id>/matches?{query}` | {first:.0f} | {statistics.median(timings):.1f} | "
              f"{p95:.1f} | {timings[-1]:.1f} |")
    print("first item:", response.get_json()["items"][0])


if __name__ == "__main__":
    main()
