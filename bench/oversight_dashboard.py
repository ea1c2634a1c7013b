"""Benchmark: the national progress dashboard over 100,000 counselors, 1,000,000 entities and 1,000,000
agreements on PostgreSQL, and the roll-up refresh that feeds it.

    .venv/bin/python bench/oversight_dashboard.py [--counselors 100000] [--entities 1000000]
        [--agreements 1000000] [--needs 300000] [--runs 50]

Creates a scratch database on 127.0.0.1:5432 (dropped afterwards unless FUDAO_BENCH_KEEP=1), creates the
schema (the Alembic migrations), loads every region, gives each current county a department, bulk-loads the rows with
COPY, times `oversight.refresh_rollups` (the background task's work) and then the national, a provincial and
a county dashboard through the Flask test client (the whole stack: session, scope, two reads, template).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.scratch import bench_app, scratch_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--agreements", type=int, default=1_000_000)
    parser.add_argument("--needs", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with scratch_database("fudao_bench_oversight") as url:
        run(url, args)


def copy_rows(connection, table: str, columns: list[str], rows) -> int:
    """COPY an iterable of tuples into `table` through psycopg's COPY protocol."""
    n = 0
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def run(url: str, args) -> None:

    from marketplace.accounts.models import Department, Role, User
    from marketplace.accounts.passwords import hash_password
    from marketplace.extensions import db
    from marketplace.oversight.services import refresh_rollups
    from marketplace.regions.models import Level, Region

    app, counties = bench_app(url)
    rng = random.Random(7)
    with app.app_context():
        townships: dict[str, list[str]] = {}
        for code, parent in db.session.execute(select(Region.code, Region.parent_code)
                                               .where(Region.level == Level.TOWNSHIP, Region.valid_to.is_(None))):
            townships.setdefault(parent, []).append(code)
        db.session.execute(insert(Department), [
            {"name": r.full_name + "农业农村局", "level": Level.COUNTY, "region_code": r.code} for r in counties
        ] + [{"name": "农业农村部", "level": Level.NATIONAL, "region_code": "000000"},
             {"name": "河北省农业农村厅", "level": Level.PROVINCE, "region_code": "130000"}])
        departments = {d.region_code: d.id for d in db.session.scalars(select(Department))}
        password = hash_password("Bench#Pass2026")
        officials = {}
        for label, code in (("national", "000000"), ("province", "130000"), ("county", "130123")):
            user = User(username=f"bench_{label}", display_name=label, role=Role.OFFICIAL,
                        department_id=departments[code], region_code=code, must_change_password=False,
                        password_hash=password)
            db.session.add(user)
            officials[label] = user.username
        operator = User(username="bench_operator", display_name="operator", role=Role.OPERATOR,
                        region_code="130123", must_change_password=False, password_hash=password)
        db.session.add(operator)
        db.session.commit()
        operator_id = operator.id
        county_codes = [c.code for c in counties]

        def place(county: str) -> str:
            towns = townships.get(county)
            return rng.choice(towns) if towns and rng.random() < 0.8 else county

        now = datetime.now(UTC)
        started = time.perf_counter()
        raw = db.engine.raw_connection()
        try:
            connection = raw.driver_connection
            sources = ["entity_leader", "enterprise_manager", "rural_expert", "skilled_farmer",
                       "extension_technician", "researcher", "social_organization"]
            statuses = ["appointed"] * 17 + ["suspended", "expired", "struck_off"]
            copy_rows(connection, "counselors", [
                "name", "gender", "birth_date", "id_number_hash", "id_number_cipher", "id_number_masked",
                "phone_cipher", "phone_masked", "region_code", "specialties", "industries", "work_mode", "source",
                "is_remote", "capacity", "department_id", "department_region_code", "appointed_on", "term_end",
                "certificate_no", "status", "created_at", "updated_at"], (
                (f"辅导员{i}", "male" if i % 2 else "female", date(1975, 1, 1), f"{i:064x}", "x",
                 "1301**********0000", "x", "139****0000", place(county),
                 (1 << rng.randrange(8)) | (1 << rng.randrange(8)),
                 1 << rng.randrange(8), rng.choice(["full_time", "part_time"]), rng.choice(sources), False, 5,
                 departments[county], county, date(2024, 1, 1), date(2027, 1, 1), f"{county}-2024-{i:07d}",
                 rng.choice(statuses), now, now)
                for i in range(args.counselors) for county in [rng.choice(county_codes)]))
            print(f"counselors: {args.counselors} in {time.perf_counter() - started:.1f}s", flush=True)
            step = time.perf_counter()
            entity_regions = [place(rng.choice(county_codes)) for _ in range(args.entities)]
            copy_rows(connection, "entities", [
                "type", "name", "legal_representative", "contact_phone", "region_code", "industries", "model_level",
                "owner_id", "verification_status", "created_at", "updated_at"], (
                ("cooperative" if i % 3 else "family_farm", f"合作社{i}", "张三", "13900000000", entity_regions[i],
                 1, "none", operator_id, "verified", now, now) for i in range(args.entities)))
            print(f"entities: {args.entities} in {time.perf_counter() - step:.1f}s", flush=True)
            step = time.perf_counter()
            need_status = ["open", "assigned", "in_service", "closed", "closed", "expired"]
            copy_rows(connection, "needs", [
                "entity_id", "owner_id", "category", "industry", "title", "description", "region_code", "urgency",
                "mode", "status", "opened_at", "created_at", "updated_at"], (
                (i + 1, operator_id, 1 << (i % 8), 1, "需求", "描述", entity_regions[i], "normal", "on_site",
                 rng.choice(need_status), now - timedelta(days=rng.randrange(400)), now, now)
                for i in range(args.needs)))
            print(f"needs: {args.needs} in {time.perf_counter() - step:.1f}s", flush=True)
            step = time.perf_counter()
            counselor_ids = [i + 1 for i in range(args.counselors)]
            agreement_status = ["signed", "in_service", "submitted", "accepted", "accepted", "closed"]

            def agreement(i: int):
                entity = rng.randrange(args.entities)
                status = rng.choice(agreement_status)
                signed = now - timedelta(days=rng.randrange(30, 400))
                accepted = signed + timedelta(days=20) if status in ("accepted", "closed") else None
                rating = rng.choice([3, 4, 4, 5, 5]) if accepted else None
                return (f"{i:012d}", "协议", entity % args.needs + 1, entity + 1, "counselor",
                        rng.choice(counselor_ids), entity_regions[entity], operator_id, status, "主体", "辅导员",
                        1, signed, accepted, rating, accepted, now, now, "", "")

            copy_rows(connection, "agreements", [
                "number", "title", "need_id", "entity_id", "provider_kind", "counselor_id", "region_code",
                "owner_id", "status", "entity_name", "provider_name", "version", "signed_at", "accepted_at",
                "satisfaction", "rated_at", "created_at", "updated_at", "liability", "dispute_resolution"],
                (agreement(i) for i in range(args.agreements)))
            print(f"agreements: {args.agreements} in {time.perf_counter() - step:.1f}s", flush=True)
            raw.commit()
        finally:
            raw.close()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"generated in {time.perf_counter() - started:.1f}s", flush=True)

        refresh_timings = []
        for _ in range(2):
            step = time.perf_counter()
            rows = refresh_rollups()
            db.session.commit()
            refresh_timings.append(time.perf_counter() - step)
        print(f"roll-up refresh: {rows} region rows; " + ", ".join(f"{t:.1f}s" for t in refresh_timings))

    cases = [("national", "/oversight/"), ("province", "/oversight/"), ("county", "/oversight/"),
             ("national", "/oversight/export.xlsx")]
    print("| user | request | p50 ms | p95 ms |\n|---|---|---|---|")
    for who, path in cases:
        client = app.test_client()
        client.post("/auth/login", data={"username": officials[who], "password": "Bench#Pass2026"})
        client.get(path)  # warm up
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"| {who} | `{path}` | {statistics.median(timings):.1f} | {p95:.1f} |", flush=True)


if __name__ == "__main__":
    main()
