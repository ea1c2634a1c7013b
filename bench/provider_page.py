"""Benchmark: a provider page over a provider with 1,000 agreements, on PostgreSQL.

    .venv/bin/python bench/provider_page.py [--agreements 1000] [--runs 50]

Creates a scratch database on 127.0.0.1:5432 (dropped afterwards), migrates it, loads every region, appoints
one counselor in 正定县 and files one service center there (12 offerings, 5 prices each), gives each of them
`--agreements` needs assigned to it and as many agreements (accepted or closed, rated 1–5, most with a
comment, a tenth answered, a few hidden), then times the pages through the Flask test client (the whole
stack: visibility, the record's aggregates, the latest reviews, the template) anonymously, as the operator and
as the county official, and the API's page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from bench.scratch import bench_app, scratch_database

PASSWORD = "Bench#Pass2026"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agreements", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="print where 10 signed-in requests spend time")
    args = parser.parse_args()
    with scratch_database("fudao_bench_provider") as url:
        run(url, args.agreements, args.runs, args.profile)


def _users(db):
    from marketplace.accounts.models import Department, Role, User
    from marketplace.accounts.passwords import hash_password
    from marketplace.regions.models import Level

    department = Department(name="正定县农业农村局", level=Level.COUNTY, region_code="130123")
    db.session.add(department)
    db.session.flush()
    hashed = hash_password(PASSWORD)
    users = {
        "official": User(username="bench_county", display_name="县", role=Role.OFFICIAL, region_code="130123",
                         department_id=department.id, must_change_password=False, password_hash=hashed),
        "operator": User(username="bench_operator", display_name="社", role=Role.OPERATOR,
                         region_code="130123100", must_change_password=False, password_hash=hashed),
        "staff": User(username="bench_staff", display_name="中心", role=Role.CENTER_STAFF, region_code="130123",
                      must_change_password=False, password_hash=hashed),
    }
    db.session.add_all(users.values())
    db.session.flush()
    return users


def _providers(db, users):
    from marketplace.centers.models import (
        CenterStatus,
        Establishment,
        Offering,
        OfferingPriceChange,
        OperatorType,
        ServiceCenter,
        SetupMode,
    )
    from marketplace.demo.services import demo_id_number
    from marketplace.directory import services as directory
    from marketplace.directory.models import Source, WorkMode

    counselor = directory.appoint_counselor(users["official"], directory.CounselorInput(
        name="刘建华", id_number=demo_id_number("130123", date(1980, 3, 1), 1), phone="13800001111",
        region_code="130123100", specialties=4 | 8, industries=1 | 4, work_mode=WorkMode.PART_TIME,
        source=Source.RURAL_EXPERT, appointed_on=date(2025, 1, 1), capacity=50))
    center = ServiceCenter(name="正定县农民合作社服务中心", operator_type=OperatorType.FEDERATION,
                           operator_name="正定县农民合作社联合社", operator_credit_code="93130123MA0000000X",
                           setup_mode=SetupMode.NEW, establishment=Establishment.FILING, address="正定县府前街 1 号",
                           region_code="130123", categories=4 | 8 | 32, status=CenterStatus.FILED,
                           filing_number="BENCH-0001", owner_id=users["staff"].id)
    db.session.add(center)
    db.session.flush()
    for n in range(12):
        offering = Offering(center_id=center.id, name=f"服务项目{n + 1}", category=4, unit="户·年",
                            price_min=Decimal(1000 + n * 100), price_max=Decimal(1000 + n * 100))
        db.session.add(offering)
        db.session.flush()
        price = None
        for step in range(5):
            new = Decimal(1000 + n * 100 + step * 50)
            db.session.add(OfferingPriceChange(offering_id=offering.id, old_min=price, old_max=price, new_min=new,
                                               new_max=new))
            price = new
    return counselor, center


def _history(db, users, kind: str, provider_id: int, count: int, rng: random.Random, prefix: int) -> None:
    from marketplace.agreements.models import Agreement, AgreementStatus, ProviderKind
    from marketplace.entities.models import Entity, EntityType
    from marketplace.needs.models import Need, NeedStatus
    from marketplace.providers.models import ReviewNote

    operator = users["operator"]
    from sqlalchemy import select

    from marketplace.regions.models import Region

    townships = list(db.session.scalars(select(Region.code).where(Region.parent_code == "130123")))[:5]
    entity_ids = []
    for n in range(50):
        entity = Entity(type=rng.choice(list(EntityType)), name=f"合作社{prefix}-{n}", legal_representative="张三",
                        contact_phone="13900000000", region_code=rng.choice(townships), owner_id=operator.id)
        db.session.add(entity)
        db.session.flush()
        entity_ids.append(entity.id)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    column = "assigned_counselor_id" if kind == "counselor" else "assigned_center_id"
    need_rows = [{"entity_id": rng.choice(entity_ids), "owner_id": operator.id, "category": 1 << rng.randrange(8),
                  "industry": 1 << rng.randrange(8), "title": f"需求{i}", "description": "建账", "lock_version": 1,
                  "region_code": "130123100", "status": rng.choice([NeedStatus.CLOSED, NeedStatus.IN_SERVICE]),
                  column: provider_id, "created_at": start, "updated_at": start, "urgency": "normal",
                  "mode": "on_site"} for i in range(count)]
    need_ids = db.session.scalars(insert(Need).returning(Need.id), need_rows).all()
    agreement_rows = []
    for i, need_id in enumerate(need_ids):
        rated = start + timedelta(hours=i * 7)
        agreement_rows.append({
            "number": f"130123-{prefix}-{i:06d}", "title": f"协议{i}", "need_id": need_id,
            "entity_id": rng.choice(entity_ids), "provider_kind": ProviderKind(kind),
            "counselor_id": provider_id if kind == "counselor" else None,
            "center_id": provider_id if kind == "center" else None, "region_code": "130123100",
            "owner_id": operator.id, "status": rng.choice([AgreementStatus.ACCEPTED, AgreementStatus.CLOSED]),
            "entity_name": "合作社", "provider_name": "服务方", "liability": "", "dispute_resolution": "",
            "version": 1, "lock_version": 1, "satisfaction": rng.choice([3, 4, 4, 5, 5, 5, 2]),
            "satisfaction_comment": "服务认真，账目清楚。" if rng.random() < 0.8 else None, "rated_at": rated,
            "accepted_at": rated, "created_at": rated, "updated_at": rated})
    agreement_ids = db.session.scalars(insert(Agreement).returning(Agreement.id), agreement_rows).all()
    notes = [{"agreement_id": a, "region_code": "130123100", "reply": "谢谢", "replied_at": start}
             for a in agreement_ids[::10]]
    notes += [{"agreement_id": a, "region_code": "130123100", "hidden_reason": "不当言论", "hidden_at": start}
              for a in agreement_ids[5::100]]
    db.session.execute(insert(ReviewNote), notes)


def run(url: str, count: int, runs: int, profile: bool = False) -> None:
    from marketplace.extensions import db

    app, _counties = bench_app(url)
    with app.app_context():
        started = time.perf_counter()
        rng = random.Random(16)
        users = _users(db)
        counselor, center = _providers(db, users)
        _history(db, users, "counselor", counselor.id, count, rng, 2025)
        _history(db, users, "center", center.id, count, rng, 2024)
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        ids = {"counselor": counselor.id, "center": center.id}
        names = {k: u.username for k, u in users.items()}
        print(f"loaded {count} agreements per provider in {time.perf_counter() - started:.1f}s")

    cases = [
        (None, "/public/counselors"),  # baselines: an existing public page and a signed-in one
        ("operator", "/inbox/"),
        (None, f"/providers/counselors/{ids['counselor']}"),
        ("operator", f"/providers/counselors/{ids['counselor']}"),
        ("official", f"/providers/counselors/{ids['counselor']}"),
        (None, f"/providers/centers/{ids['center']}"),
        ("operator", f"/providers/centers/{ids['center']}"),
        ("operator", f"/api/v1/providers/counselors/{ids['counselor']}"),
    ]
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print("| reader | request | p50 ms | p95 ms | max ms |\n|---|---|---|---|---|")
    for who, path in cases:
        client = app.test_client()
        headers = {}
        if who and path.startswith("/api/"):
            token = client.post("/api/v1/auth/token", json={"username": names[who], "password": PASSWORD})
            headers["Authorization"] = "Bearer " + token.get_json()["token"]
        elif who:
            client.post("/auth/login", data={"username": names[who], "password": PASSWORD})
        client.get(path, headers=headers)  # warm the template cache
        timings = []
        for _ in range(runs):
            begun = time.perf_counter()
            response = client.get(path, headers=headers)
            timings.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
        print(f"| {who or 'anonymous'} | `{path}` | {statistics.median(timings):.1f} | {p95:.1f} | "
              f"{timings[-1]:.1f} |")
    if profile:
        import cProfile
        import pstats

        client = app.test_client()
        client.post("/auth/login", data={"username": names["operator"], "password": PASSWORD})
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(10):
            client.get(f"/providers/counselors/{ids['counselor']}")
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    load = os.getloadavg()
    print(f"load average after {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
