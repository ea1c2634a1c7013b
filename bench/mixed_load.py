"""Benchmark: a mixed load of 50 users (locust) on gunicorn -w 4 in production-like mode, over the demo data
plus 100,000 counselors in PostgreSQL (issue 17).

    .venv/bin/python bench/mixed_load.py --users 50 --duration 60 [--keep] [--database fudao_bench_mixed]

Builds (or with --keep reuses) a scratch PostgreSQL database on 127.0.0.1:5432: migrations, every region, the
demo (`seed_demo`, with the real scrypt password hashes), 100,000 appointed counselors spread over every
county (a third with a service area, 10 % remote), pending invitations for the demo counselors, fresh
oversight roll-ups; then builds and saves the shared candidate pool (`build_shared_pool`, as the worker's
`matching.build_pool` task does). It starts a Celery worker (with beat) and gunicorn -w 4 (FUDAO_ENV=production
with plain http: FUDAO_FORCE_HTTPS=false, FUDAO_SESSION_COOKIE_SECURE=false, no required second factor, rate
limits raised for 50 users behind one address) on Redis DB --redis-db, runs bench/mixed_load_users.py
(locust, headless) and prints per-endpoint and total p50/p95/p99, req/s, failures and the load average.

Sign-ins (and API token requests) happen in a warm-up that the figures exclude; they are reported apart (the
password hash is deliberately slow). After the sign-ins every user runs its tasks for --warmup seconds, not
counted either (fresh workers compile templates and map the pool), then --duration seconds are measured.
The database is dropped afterwards unless --keep.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from anywhere without installing

ADMIN_URL = os.environ.get("FUDAO_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARKER = "fudao mixed_load world complete"  # the database comment once build_world has finished


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60, help="measured seconds")
    parser.add_argument("--warmup", type=int, default=30, help="seconds of tasks after the sign-ins, not counted")
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--database", default="fudao_bench_mixed")
    parser.add_argument("--port", type=int, default=5641)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse a kept one)")
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()

    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{args.database}"
    instance = Path(tempfile.gettempdir()) / f"{args.database}_instance"
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    os.environ["FUDAO_INSTANCE_PATH"] = str(instance)
    os.environ["REDIS_URL"] = redis_url
    reused = prepare_database(url, args.database, args.counselors, args.keep, instance)
    try:
        top_up_invitations(url, instance)
        plan = make_plan(url, instance)
        results = run_load(args, url, instance, redis_url, plan)
        report(args, results, reused)
    finally:
        if not args.keep:
            drop_database(args.database)
            shutil.rmtree(instance, ignore_errors=True)
            print(f"dropped database {args.database}")
        else:
            print(f"kept database {args.database} (reuse it with --keep)")


# --- the world ------------------------------------------------------------------------------------------------

def _admin():
    from sqlalchemy import create_engine

    return create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


def drop_database(name: str) -> None:
    from sqlalchemy import text

    engine = _admin()
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _app(url: str, instance: Path):
    from marketplace import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                       "MATCHING_POOL_DIR": str(instance / "matching_pool")})


def prepare_database(url: str, name: str, count: int, keep: bool, instance: Path) -> bool:
    """Create and fill the database; with `keep`, reuse a complete one. Returns whether it was reused."""
    from sqlalchemy import text

    engine = _admin()
    with engine.connect() as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
    engine.dispose()
    if exists and keep:
        engine = _admin()
        with engine.connect() as connection:
            ready = connection.execute(text("SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                                            "WHERE datname = :n"), {"n": name}).scalar() == MARKER
        engine.dispose()
        if ready:
            print(f"reusing database {name}")
            return True
    drop_database(name)
    engine = _admin()
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    shutil.rmtree(instance, ignore_errors=True)
    build_world(url, count, instance)
    from sqlalchemy import create_engine

    started = time.perf_counter()
    settled = create_engine(url, isolation_level="AUTOCOMMIT")  # as autovacuum leaves a database in use
    with settled.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
    settled.dispose()
    print(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.0f} s", flush=True)
    engine = _admin()
    with engine.connect() as connection:
        connection.execute(text(f"COMMENT ON DATABASE \"{name}\" IS '{MARKER}'"))
    engine.dispose()
    return False


def build_world(url: str, count: int, instance: Path) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select, text

    from bench.scratch import add_counselors
    from marketplace.demo.services import seed_demo
    from marketplace.extensions import db
    from marketplace.regions.models import Level, Region
    from marketplace.regions.services import load_regions

    app = _app(url, instance)
    with app.app_context():
        started = time.perf_counter()
        upgrade(directory=str(ROOT / "migrations"))
        load_regions(app.config["REGION_DATA_DIR"])
        db.session.commit()
        print(f"migrated and loaded regions in {time.perf_counter() - started:.0f} s", flush=True)
        step = time.perf_counter()
        seed_demo()
        db.session.commit()
        print(f"seeded the demo in {time.perf_counter() - step:.0f} s", flush=True)

        step = time.perf_counter()
        counties = db.session.scalars(select(Region).where(Region.level == Level.COUNTY,
                                                           Region.valid_to.is_(None))).all()
        areas = add_counselors(counties, count)
        print(f"added {count} counselors over {len(counties)} counties ({areas} service areas) "
              f"in {time.perf_counter() - step:.0f} s", flush=True)

        step = time.perf_counter()
        made = _pending_invitations()
        db.session.commit()
        print(f"pending invitations for the demo counselors: {made} ({time.perf_counter() - step:.0f} s)", flush=True)

        from marketplace.oversight.services import refresh_rollups

        db.session.execute(text("ANALYZE"))
        step = time.perf_counter()
        rows_done = refresh_rollups()
        db.session.commit()
        print(f"oversight roll-ups: {rows_done} region rows ({time.perf_counter() - step:.0f} s)", flush=True)
        db.session.remove()
        db.engine.dispose()


TITLES = ["建立规范的财务账簿", "拓展线上销售渠道", "完善合作社章程", "申请绿色食品认证", "设施大棚技术指导",
          "申请农业信贷和保险", "建立质量追溯体系", "规范内部管理制度"]


def top_up_invitations(url: str, instance: Path) -> None:
    """Before each run (a kept database's counselors answered theirs last time): pending invitations again."""
    from sqlalchemy import func, select

    from marketplace.directory.models import Counselor
    from marketplace.extensions import db
    from marketplace.needs.models import Invitation, InvitationStatus

    app = _app(url, instance)
    with app.app_context():
        made = _pending_invitations()
        db.session.commit()
        pending = db.session.scalar(select(func.count(Invitation.id)).join(
            Counselor, Counselor.id == Invitation.counselor_id).where(
            Invitation.status == InvitationStatus.PENDING, Counselor.user_id.isnot(None)))
        print(f"pending invitations to the demo counselors: {pending} ({made} new)", flush=True)
        db.session.remove()
        db.engine.dispose()


def _pending_invitations(per_counselor: int = 6) -> int:
    """Needs of the demo operators with pending invitations to the demo counselors' accounts (up to
    `per_counselor` pending each), so the counselors have something to accept or decline; a try that the
    ranker refuses (a counselor at capacity, too far away) is skipped."""
    from sqlalchemy import func, select

    from marketplace.accounts.models import Role, User
    from marketplace.directory.models import Counselor
    from marketplace.entities.models import Entity
    from marketplace.errors import DomainError
    from marketplace.extensions import db
    from marketplace.needs import invitations, services
    from marketplace.needs.models import Invitation, InvitationStatus

    counselors = db.session.execute(select(Counselor.id, Counselor.region_code, Counselor.specialties).join(
        User, User.id == Counselor.user_id).where(User.role == Role.COUNSELOR)).all()
    entities = db.session.scalars(select(Entity).join(User, User.id == Entity.owner_id)
                                  .where(User.role == Role.OPERATOR).order_by(Entity.id)).all()
    pending = dict(db.session.execute(select(Invitation.counselor_id, func.count(Invitation.id)).where(
        Invitation.status == InvitationStatus.PENDING).group_by(Invitation.counselor_id)).all())
    made = 0
    for counselor_id, region_code, specialties in counselors:
        near = [e for e in entities if e.region_code[:4] == region_code[:4]] or entities
        bits = [b for b in range(8) if specialties & (1 << b)] or [2]
        for k in range(per_counselor - pending.get(counselor_id, 0)):
            entity = near[(k + counselor_id) % len(near)]
            bit = bits[k % len(bits)]
            try:
                with db.session.begin_nested():
                    need = services.create_need(entity.owner, entity, services.NeedInput(
                        entity_id=entity.id, category=1 << bit, industry=0, title=f"{TITLES[bit]}（{k + 1}）",
                        description="希望有经验的辅导员上门指导，帮助我们把这件事办好。"), publish=True)
                    invitations.invite(entity.owner, need, "counselor", counselor_id)
                    made += 1
            except DomainError:
                continue
    return made


def make_plan(url: str, instance: Path) -> dict:
    """What the simulated users visit: accounts by role, their ids, needs, providers, regions."""
    from sqlalchemy import func, select

    from marketplace.accounts.models import Department, Role, User
    from marketplace.centers.models import CenterStatus, ServiceCenter
    from marketplace.directory.models import Counselor, CounselorStatus
    from marketplace.extensions import db
    from marketplace.jurisdiction import scoped
    from marketplace.regions.models import Region

    app = _app(url, instance)
    plan: dict = {}
    with app.app_context():
        users = db.session.execute(select(User.username, User.role, User.region_code, User.id)
                                   .order_by(User.id)).all()
        linked = dict(db.session.execute(select(Counselor.user_id, Counselor.id)
                                         .where(Counselor.user_id.isnot(None))).all())
        operators = [u.username for u in users if u.role is Role.OPERATOR]
        from marketplace.entities.models import Entity

        owners = set(db.session.scalars(select(Entity.owner_id)))
        plan["operators"] = [u.username for u in users if u.role is Role.OPERATOR and u.id in owners] or operators
        from marketplace.needs.models import Need, NeedStatus

        open_needs: dict[str, list[int]] = {}
        for username, need_id in db.session.execute(select(User.username, Need.id).join(
                User, User.id == Need.owner_id).where(Need.status == NeedStatus.OPEN).order_by(Need.id)):
            open_needs.setdefault(username, []).append(need_id)
        plan["open_needs"] = {k: v[-8:] for k, v in open_needs.items()}
        plan["counselors"] = [{"username": u.username, "counselor_id": linked[u.id]} for u in users
                              if u.role is Role.COUNSELOR and u.id in linked]
        officials = []
        for u in users:
            if u.role is not Role.OFFICIAL or u.username.startswith("bench"):
                continue
            code = db.session.scalar(select(Department.region_code).join(User, User.department_id == Department.id)
                                     .where(User.id == u.id))
            if code is None:
                continue
            children = list(db.session.scalars(select(Region.code).where(Region.parent_code == code,
                                                                         Region.valid_to.is_(None))
                                               .order_by(Region.code).limit(8)))
            user = db.session.get(User, u.id)
            visible = scoped(Counselor, user).with_only_columns(Counselor.id)  # what the record page allows
            records = list(db.session.scalars(visible.order_by(Counselor.id).limit(20))) + \
                list(db.session.scalars(visible.order_by(Counselor.id.desc()).limit(20)))
            officials.append({"username": u.username, "region": code, "children": children, "records": records})
        plan["officials"] = officials
        appointed = select(Counselor.id).where(Counselor.status == CounselorStatus.APPOINTED)
        total = db.session.scalar(select(func.count()).select_from(appointed.subquery()))
        rng = random.Random(3)
        plan["public_counselors"] = sorted(set(db.session.scalars(appointed.order_by(Counselor.id).limit(60)))) + \
            [int(x) for x in db.session.scalars(appointed.offset(rng.randrange(max(1, total - 200))).limit(40))]
        plan["centers"] = list(db.session.scalars(select(ServiceCenter.id).where(
            ServiceCenter.status == CenterStatus.FILED).order_by(ServiceCenter.id)))
        plan["provinces"] = list(db.session.scalars(select(Region.code).where(
            Region.parent_code == "000000", Region.valid_to.is_(None)).order_by(Region.code)))
        plan["hebei_cities"] = list(db.session.scalars(select(Region.code).where(
            Region.parent_code == "130000", Region.valid_to.is_(None)).order_by(Region.code)))
        db.session.remove()
        db.engine.dispose()
    return plan


# --- the servers and the load ---------------------------------------------------------------------------------

def server_env(url: str, instance: Path, redis_url: str) -> dict:
    env = dict(os.environ)
    env.update({
        "FUDAO_ENV": "production", "SECRET_KEY": "mixed-load-bench-secret-not-for-production",
        "DATABASE_URL": url, "REDIS_URL": redis_url, "FUDAO_INSTANCE_PATH": str(instance),
        "FUDAO_MATCHING_POOL_DIR": str(instance / "matching_pool"),
        "FUDAO_FORCE_HTTPS": "false", "FUDAO_SESSION_COOKIE_SECURE": "false",
        "FUDAO_TOTP_REQUIRED_LEVELS": "[]", "FUDAO_TRUSTED_PROXIES": "0",
        # 50 users behind one address: the per-address limits are raised, not switched off
        "FUDAO_RATELIMIT_API": "100000 per minute", "FUDAO_RATELIMIT_LOGIN": "10000 per minute",
        "FUDAO_RATELIMIT_VERIFY": "10000 per minute", "FUDAO_PUBLIC_URL": "http://127.0.0.1",
    })
    return env


def _wait_http(url: str, seconds: float) -> None:
    import urllib.request

    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer in {seconds:.0f} s")


def _drain(redis_url: str, seconds: float) -> int:
    """Wait until the worker has taken the queued tasks (the seeding's mail); returns what is left."""
    import redis

    client = redis.Redis.from_url(redis_url)
    deadline = time.time() + seconds
    left = client.llen("celery")
    while left and time.time() < deadline:
        time.sleep(1)
        left = client.llen("celery")
    return left


def run_load(args, url: str, instance: Path, redis_url: str, plan: dict) -> dict:
    from sqlalchemy import select

    app = _app(url, instance)
    from marketplace.ranking.records import build_shared_pool

    with app.app_context():
        started = time.perf_counter()
        built = build_shared_pool(min_interval=0)
        print(f"shared pool: {built} ({time.perf_counter() - started:.1f} s)", flush=True)
        from marketplace.extensions import db

        db.session.execute(select(1))
        db.session.remove()
        db.engine.dispose()
    env = server_env(url, instance, redis_url)
    logs = instance / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for name in ("access.log", "gunicorn.log"):  # gunicorn appends: each run reports its own
        (logs / name).unlink(missing_ok=True)
    venv = Path(sys.executable).parent
    with open(logs / "worker.log", "w") as worker_log:  # the child keeps its own descriptor
        worker = subprocess.Popen(
            [str(venv / "celery"), "-A", "wsgi:celery", "worker", "--beat", "--pool=solo", "--loglevel=warning",
             "--schedule", str(instance / "celerybeat-schedule")],
            cwd=ROOT, env=env, stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
    with open(logs / "app.log", "w") as app_log:  # what the app itself logs (to stderr)
        web = subprocess.Popen(
            [str(venv / "gunicorn"), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}", "--timeout", "60",
             "--no-control-socket", "--access-logfile", str(logs / "access.log"),
             "--error-logfile", str(logs / "gunicorn.log"), "wsgi:app"],
            cwd=ROOT, env=env, stdout=app_log, stderr=subprocess.STDOUT, start_new_session=True)
    plan_path = instance / "plan.json"
    out_path = instance / "samples.json"
    try:
        _wait_http(f"http://127.0.0.1:{args.port}/healthz", 90)
        left = _drain(redis_url, 120)
        print(f"gunicorn -w {args.workers} on :{args.port}, worker up; {left} task(s) still queued", flush=True)
        plan.update({"web_pid": web.pid, "worker_pid": worker.pid})
        plan.update({"users": args.users, "duration": args.duration, "warmup": args.warmup, "seed": args.seed})
        plan_path.write_text(json.dumps(plan, ensure_ascii=False))
        load_before = os.getloadavg()
        subprocess.run([sys.executable, str(ROOT / "bench" / "mixed_load_users.py"), "--host",
                        f"http://127.0.0.1:{args.port}", "--plan", str(plan_path), "--out", str(out_path)],
                       check=True, cwd=ROOT)
        load_after = os.getloadavg()
    finally:
        for process in (web, worker):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    errors = [f"{name}: {line}" for name in ("gunicorn.log", "app.log", "worker.log")
              for line in (logs / name).read_text(errors="replace").splitlines()
              if "Traceback" in line or "ERROR" in line]
    statuses: dict[str, int] = {}
    for line in (logs / "access.log").read_text(errors="replace").splitlines():
        fields = line.split('"')
        status = fields[2].split()[0] if len(fields) > 2 and fields[2].split() else "?"
        statuses[status] = statuses.get(status, 0) + 1
    results = json.loads(out_path.read_text())
    results.update({"load_before": load_before, "load_after": load_after, "server_errors": errors[:20],
                    "statuses": statuses,
                    "logs": str(logs)})
    return results


# --- the report -----------------------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of sorted values."""
    if not values:
        return float("nan")
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def _row(name: str, samples: list[dict], seconds: float) -> str:
    times = sorted(s["ms"] for s in samples)
    failures = sum(1 for s in samples if not s["ok"])
    return (f"| {name} | {len(times)} | {percentile(times, 50):.0f} | {percentile(times, 95):.0f} | "
            f"{percentile(times, 99):.0f} | {times[-1]:.0f} | {len(times) / seconds:.1f} | {failures} |")


def report(args, results: dict, reused: bool) -> None:
    measured = results["measured"]
    seconds = results["measured_seconds"]
    by_name: dict[str, list[dict]] = {}
    for sample in measured:
        by_name.setdefault(sample["name"], []).append(sample)
    print()
    print(f"{args.users} users {results['mix']}, {seconds:.1f} s measured after {args.warmup} s of warm-up "
          f"({'reused' if reused else 'new'} database {args.database}, gunicorn -w {args.workers})")
    before, after = (" / ".join(f"{x:.2f}" for x in results[k]) for k in ("load_before", "load_after"))
    print(f"load average before: {before}, after: {after}")
    cpu = results["cpu"]
    cores = os.cpu_count() or 1
    mine = cpu["gunicorn"] + cpu["celery"] + cpu["postgres"] + cpu["locust"]
    print(f"CPU over the measured {seconds:.0f} s on {cores} cores: machine busy {cpu['busy']:.0f} core-s "
          f"({100 * cpu['busy'] / (cores * seconds):.0f} %), idle {cpu['idle']:.0f} core-s; gunicorn workers "
          f"{cpu['gunicorn']:.0f}, postgres (all databases) {cpu['postgres']:.0f}, Celery {cpu['celery']:.0f}, "
          f"locust {cpu['locust']:.0f}; everything else (other sessions) {max(0.0, cpu['busy'] - mine):.0f} core-s")
    header = "| request | n | p50 ms | p95 ms | p99 ms | max ms | req/s | failures |\n|---|---|---|---|---|---|---|---|"
    print(header)
    rows = sorted(by_name.items(), key=lambda item: -percentile(sorted(s["ms"] for s in item[1]), 95))
    for name, samples in rows:
        print(_row(f"`{name}`", samples, seconds))
    print(_row("**total**", measured, seconds))
    if results["warmup"]:
        print(_row(f"warm-up ({args.warmup} s, not counted)", results["warmup"], max(args.warmup, 1)))
    signins = {}
    for sample in results["warmup_signins"]:
        signins.setdefault(sample["name"], []).append(sample)
    print("\nsign-ins (warm-up, not in the figures):")
    print(header)
    for name, samples in signins.items():
        print(_row(f"`{name}`", samples, max(results["signin_seconds"], 0.001)))
    print(f"sign-in phase: {results['signin_seconds']:.1f} s for {len(results['warmup_signins'])} requests")
    failures = [s for s in measured if not s["ok"]]
    for sample in failures[:20]:
        print("failure:", sample["name"], sample.get("status"), sample.get("error"))
    print("statuses in the access log (the whole run, sign-ins and warm-up included):",
          ", ".join(f"{k}: {v}" for k, v in sorted(results["statuses"].items())))
    if results["server_errors"]:
        print("server log errors:", *results["server_errors"], sep="\n  ")
    print(f"logs: {results['logs']}")


if __name__ == "__main__":
    main()
