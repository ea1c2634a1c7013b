"""Benchmark: Fudao's list pages beside a bare Flask + SQLAlchemy page, with wrk, in one run (issue 17).

    .venv/bin/python bench/throughput.py [--keep] [--counselors 100000] [--rounds 3] [--seconds 10]

Builds a scratch PostgreSQL database `fudao_pages17_bench` on 127.0.0.1:5432 (the regions, the demo data and
100,000 counselors spread over every county; `--keep` reuses it when it is there and keeps it afterwards,
otherwise it is dropped at the end), builds and saves the shared candidate pool, then starts Fudao
(FUDAO_ENV=production with plain-http cookies, no second factor and raised rate limits) and the bare page
(bench/bare_app.py), each under `gunicorn -w 2`, and runs wrk against them alternately: bare, page, bare,
page, … for every page in every round. Each page's share is its req/s over the mean of the two bare runs
beside it. Prints a Markdown table and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scratch import ADMIN_URL, add_counselors, bench_app  # noqa: E402

DB_NAME = os.environ.get("FUDAO_BENCH_DB", "fudao_pages17_bench")
URL = ADMIN_URL.rsplit("/", 1)[0] + f"/{DB_NAME}"
FUDAO_PORT, BARE_PORT = 5620, 5622
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WRK = "/usr/bin/wrk"
PASSWORD = "Fudao@2026"  # the demo's (marketplace/demo/services.py)
REDIS_URL = os.environ.get("FUDAO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", action="store_true", help="reuse the database if it is there; keep it")
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", help="run only the pages whose label contains this")
    args = parser.parse_args()
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME})
        if exists and not args.keep:
            connection.execute(text(f'DROP DATABASE "{DB_NAME}" WITH (FORCE)'))
        if not exists or not args.keep:
            connection.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    try:
        pool_dir = tempfile.mkdtemp(prefix="fudao_pages17_pool_")
        need_id = build_world(args.counselors, pool_dir, reuse=bool(exists and args.keep))
        run(args, pool_dir, need_id)
    finally:
        if not args.keep:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)'))
        admin.dispose()


def build_world(count: int, pool_dir: str, reuse: bool) -> int:
    """The demo and `count` counselors (unless reused); the shared pool saved under `pool_dir`. Returns the id
    of an open demo need of coop_zhengding's (the need page with matches)."""
    from marketplace.accounts.models import User
    from marketplace.demo.services import seed_demo
    from marketplace.extensions import db
    from marketplace.needs.models import Need, NeedStatus
    from marketplace.ranking.records import build_shared_pool

    started = time.perf_counter()
    if reuse:
        from marketplace import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": URL, "RATELIMIT_ENABLED": False})
    else:
        app, counties = bench_app(URL)
    app.config["MATCHING_POOL_DIR"] = pool_dir
    with app.app_context():
        if not reuse:
            seed_demo()
            db.session.commit()
            add_counselors(counties, count)
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        operator = db.session.scalar(select(User).where(User.username == "coop_zhengding"))
        need_id = db.session.scalar(select(Need.id).where(Need.owner_id == operator.id,
                                                          Need.status == NeedStatus.OPEN).order_by(Need.id))
        total = db.session.scalar(text("SELECT count(*) FROM counselors"))
        print(f"database {DB_NAME}: {total} counselors ({'reused' if reuse else 'built'} in "
              f"{time.perf_counter() - started:.0f} s); need {need_id}")
        from marketplace.oversight.services import refresh_rollups

        started = time.perf_counter()  # as the worker's beat keeps them (the national list's count uses them)
        print("oversight roll-ups:", refresh_rollups(), f"region rows ({time.perf_counter() - started:.1f} s)")
        db.session.commit()
        started = time.perf_counter()
        print("shared pool:", build_shared_pool(min_interval=0), f"({time.perf_counter() - started:.1f} s)")
    return need_id


def fudao_env(pool_dir: str) -> dict:
    return {
        **os.environ, "FUDAO_ENV": "production", "DATABASE_URL": URL, "REDIS_URL": REDIS_URL,
        "FUDAO_SECRET_KEY": "bench-only-secret-key-pages17-0123456789", "FUDAO_FORCE_HTTPS": "false",
        "FUDAO_SESSION_COOKIE_SECURE": "false", "FUDAO_TOTP_REQUIRED_LEVELS": "[]", "FUDAO_TRUSTED_PROXIES": "0",
        "FUDAO_RATELIMIT_API": "1000000 per minute", "FUDAO_RATELIMIT_LOGIN": "1000 per minute",
        "FUDAO_RATELIMIT_VERIFY": "1000000 per minute", "FUDAO_MATCHING_POOL_DIR": pool_dir,
        "FUDAO_INSTANCE_PATH": tempfile.mkdtemp(prefix="fudao_pages17_instance_"),
    }


def start(args: list[str], env: dict, port: int) -> subprocess.Popen:
    process = subprocess.Popen([GUNICORN, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", *args],
                               cwd=ROOT, env=env, start_new_session=True)
    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=30)
            return process
        except requests.RequestException:
            time.sleep(0.5)
    stop(process)
    raise RuntimeError(f"gunicorn on {port} did not start")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def sign_in(username: str) -> str:
    """The session cookie of a browser sign-in (the CSRF token scraped from the login form)."""
    web = requests.Session()
    form = web.get(f"http://127.0.0.1:{FUDAO_PORT}/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form) or \
        re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    answer = web.post(f"http://127.0.0.1:{FUDAO_PORT}/auth/login", allow_redirects=False,
                      data={"csrf_token": token.group(1), "username": username, "password": PASSWORD})
    assert answer.status_code == 302, (username, answer.status_code, answer.text[:500])
    return "; ".join(f"{k}={v}" for k, v in web.cookies.items())


def api_token(username: str) -> str:
    answer = requests.post(f"http://127.0.0.1:{FUDAO_PORT}/api/v1/auth/token",
                           json={"username": username, "password": PASSWORD})
    assert answer.status_code in (200, 201), answer.text
    return answer.json()["token"]


def wrk(url: str, headers: dict, seconds: int, connections: int) -> dict:
    command = [WRK, "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50": ms("50%"),
            "p99": ms("99%"), "errors": int(non_2xx.group(1)) if non_2xx else 0}


def run(args, pool_dir: str, need_id: int) -> None:
    servers = [start(["bench.bare_app:app"], {**os.environ, "BARE_DATABASE_URL": URL}, BARE_PORT)]
    try:
        servers.append(start(["wsgi:app"], fudao_env(pool_dir), FUDAO_PORT))
        national, county, operator = sign_in("admin"), sign_in("zhengding"), sign_in("coop_zhengding")
        token = api_token("coop_zhengding")
        base = f"http://127.0.0.1:{FUDAO_PORT}"
        pages = [
            ("`/public/counselors` (anonymous)", f"{base}/public/counselors", {}),
            ("`/directory/` national official", f"{base}/directory/", {"Cookie": national}),
            ("`/directory/` county official", f"{base}/directory/", {"Cookie": county}),
            ("`/catalogue/` (anonymous)", f"{base}/catalogue/", {}),
            ("`GET /api/v1/needs/<id>/matches`", f"{base}/api/v1/needs/{need_id}/matches?kind=all&limit=10",
             {"Authorization": f"Bearer {token}"}),
            ("`/needs/<id>` with matches (operator)", f"{base}/needs/{need_id}", {"Cookie": operator}),
        ]
        if args.only:
            pages = [p for p in pages if args.only in p[0]]
        for label, url, headers in pages:  # each page answers 200 to its user before it is measured
            answer = requests.get(url, headers=headers, allow_redirects=False, timeout=60)
            assert answer.status_code == 200, (label, answer.status_code, answer.text[:300])
        requests.get(f"http://127.0.0.1:{BARE_PORT}/").raise_for_status()
        results = {label: [] for label, _, _ in pages}
        bare_url = f"http://127.0.0.1:{BARE_PORT}/"
        print(f"load average before: {os.getloadavg()}")
        for round_ in range(args.rounds):
            before = wrk(bare_url, {}, args.seconds, args.connections)
            for label, url, headers in pages:
                result = wrk(url, headers, args.seconds, args.connections)
                after = wrk(bare_url, {}, args.seconds, args.connections)
                result["bare"] = (before["rps"] + after["rps"]) / 2
                results[label].append(result)
                print(f"round {round_ + 1}: {label}: {result['rps']:.0f} req/s beside bare {result['bare']:.0f}"
                      f" ({result['errors']} non-2xx), load {os.getloadavg()[0]:.2f}", flush=True)
                before = after
        print(f"\nwrk -t2 -c{args.connections} -d{args.seconds}s, {args.rounds} rounds; gunicorn -w 2 (sync) each; "
              f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
        print("| page | req/s | p50 ms | p99 ms | bare req/s | share of bare | ≥ 30 % |\n|---|---|---|---|---|---|---|")
        for label, runs in results.items():
            rps = statistics.median(r["rps"] for r in runs)
            bare_rps = statistics.median(r["bare"] for r in runs)
            share = statistics.median(r["rps"] / r["bare"] for r in runs)
            print(f"| {label} | {rps:.0f} | {statistics.median(r['p50'] for r in runs):.1f} | "
                  f"{statistics.median(r['p99'] for r in runs):.1f} | {bare_rps:.0f} | {share:.1%} | "
                  f"{'yes' if share >= 0.30 else 'no'} |")
        print(json.dumps({label: runs for label, runs in results.items()}), file=sys.stderr)
    finally:
        for server in servers:
            stop(server)


if __name__ == "__main__":
    main()
