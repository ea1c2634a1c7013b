"""In-process cost of the signed-in list pages (issue 17): CPU time per request through the Flask test client on
the scratch database of bench/throughput.py.

    OMP_NUM_THREADS=1 nice .venv/bin/python bench/profile_pages.py [--build] [--n 50] [--batches 5]
        [--only directory] [--profile cprofile|pyinstrument] [--sql] [--cold-fragments]

`--build` creates `fudao_pages17_bench` (or FUDAO_BENCH_DB) the way bench/throughput.py does when it is not
there (kept afterwards). Each page is requested as its user after a sign-in through the login form (CSRF on,
production settings as in the throughput benchmark); after 5 warm-up requests it times `--batches` batches of
`--n` requests with time.process_time and prints the median ms per request, the statements per request and the
bare page's (bench/bare_app.py) figure beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, text  # noqa: E402

os.environ.setdefault("FUDAO_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")

from bench.scratch import ADMIN_URL  # noqa: E402
from bench.throughput import DB_NAME, PASSWORD, URL, build_world, fudao_env  # noqa: E402


def ensure_database(build: bool) -> bool:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DB_NAME})
        if not exists:
            if not build:
                sys.exit(f"no database {DB_NAME}: run with --build")
            connection.execute(text(f'CREATE DATABASE "{DB_NAME}"'))
    admin.dispose()
    return bool(exists)


def need_of_operator() -> int:
    """The need bench/throughput.py shows: coop_zhengding's first open need."""
    engine = create_engine(URL)
    with engine.connect() as connection:
        need_id = connection.scalar(text(
            "SELECT n.id FROM needs n JOIN users u ON u.id = n.owner_id WHERE u.username = 'coop_zhengding' "
            "AND n.status = 'open' ORDER BY n.id"))
    engine.dispose()
    return need_id


def signed_in(app, username: str):
    client = app.test_client()
    form = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    answer = client.post("/auth/login", data={"csrf_token": token, "username": username, "password": PASSWORD})
    assert answer.status_code == 302, (username, answer.status_code)
    return client


def bearer(app, username: str):
    """A test client that sends the API token of `username` (as bench/throughput.py's wrk run does)."""
    client = app.test_client()
    answer = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code in (200, 201), (username, answer.status_code)
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {answer.get_json()['token']}"
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", action="store_true")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--only")
    parser.add_argument("--profile", choices=["cprofile", "pyinstrument"])
    parser.add_argument("--sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--pool-dir", help="a shared pool saved by an earlier run (built there when empty)")
    parser.add_argument("--cold-fragments", action="store_true",
                        help="empty the kept fragments (marketplace/fragments.py) before every request: the cost "
                             "of a page none of whose pieces were shown before")
    args = parser.parse_args()
    exists = ensure_database(args.build)
    pool_dir = args.pool_dir or tempfile.mkdtemp(prefix="fudao_pages_pool_")
    if exists and args.pool_dir and Path(pool_dir).is_dir() and any(Path(pool_dir).iterdir()):
        need_id = need_of_operator()
    else:
        Path(pool_dir).mkdir(parents=True, exist_ok=True)
        need_id = build_world(100_000, pool_dir, reuse=exists)

    env = fudao_env(pool_dir)
    env["FUDAO_REDIS_URL"] = env["REDIS_URL"]
    os.environ.update({k: v for k, v in env.items() if k.startswith("FUDAO_")})
    os.environ["DATABASE_URL"] = URL
    from marketplace import create_app

    app = create_app()
    if args.cold_fragments:
        app.before_request(lambda: app.jinja_env.__dict__.get("fragment_memo", {}).clear())
    engine_statements: list[str] = []
    with app.app_context():
        from marketplace.extensions import db

        def seen(conn, cursor, statement, *rest):
            if args.sql:  # where each statement comes from: the innermost frame of the app or a template
                frames = [f for f in traceback.extract_stack() if "/marketplace/" in f.filename
                          or "/templates/" in f.filename]
                where = f"{frames[-1].filename.split('/')[-1]}:{frames[-1].lineno}" if frames else "?"
                statement = f"[{where}] {statement}"
            engine_statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
    pages = [("/directory/ national (admin)", "admin", "/directory/"),
             ("/directory/ county (zhengding)", "zhengding", "/directory/"),
             ("/api/v1/needs/<id>/matches (coop_zhengding)", "coop_zhengding",
              f"/api/v1/needs/{need_id}/matches?kind=all&limit=10"),
             ("/needs/<id> operator (coop_zhengding)", "coop_zhengding", f"/needs/{need_id}"),
             ("/needs/inbox counselor (fdy_liu)", "fdy_liu", "/needs/inbox"),
             ("/api/v1/needs/recommended (fdy_liu)", "fdy_liu", "/api/v1/needs/recommended")]
    if args.only:
        pages = [p for p in pages if args.only in p[0]]
    bare = bare_cost(args)
    print(f"bare page: {bare:.2f} ms/request; load average {os.getloadavg()}")
    for label, username, path in pages:
        client = bearer(app, username) if path.startswith("/api/") else signed_in(app, username)
        for _ in range(5):
            answer = client.get(path)
            assert answer.status_code == 200, (label, answer.status_code)
        engine_statements.clear()
        client.get(path)
        statements = [s for s in engine_statements]
        if args.sql:
            for s in statements:
                print("   ", " ".join(s.split())[:200])
        if args.profile:
            profile(args.profile, client, path, args.n, label)
        batches = []
        for _ in range(args.batches):
            started = time.process_time()
            for _ in range(args.n):
                client.get(path)
            batches.append((time.process_time() - started) * 1000 / args.n)
        print(f"{label}: {statistics.median(batches):.2f} ms/request (min {min(batches):.2f}; batches "
              f"{' '.join(f'{b:.2f}' for b in batches)}), {len(statements)} statements, "
              f"{python_calls(client, path):,} Python calls")
    print(f"load average {os.getloadavg()}")


def python_calls(client, path: str, n: int = 10) -> int:
    """Function calls per request as cProfile counts them: a measure of the interpreter's work that does not
    move with the machine's load (unlike the CPU time beside it)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(path)
    profiler.disable()
    return pstats.Stats(profiler).total_calls // n


def bare_cost(args) -> float:
    os.environ["BARE_DATABASE_URL"] = URL
    from bench.bare_app import app as bare

    client = bare.test_client()
    for _ in range(5):
        client.get("/")
    batches = []
    for _ in range(args.batches):
        started = time.process_time()
        for _ in range(args.n):
            client.get("/")
        batches.append((time.process_time() - started) * 1000 / args.n)
    print(f"bare page: {python_calls(client, '/'):,} Python calls")
    return statistics.median(batches)


def profile(kind: str, client, path: str, n: int, label: str) -> None:
    if kind == "cprofile":
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(n):
            client.get(path)
        profiler.disable()
        print(f"--- {label}")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
        name = f"{label.split()[0].strip('/').replace('/', '_')}_{label.split()[1]}"
        profiler.dump_stats(Path(tempfile.gettempdir()) / f"profile_pages_{name}.prof")  # for pstats
    else:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(n):
            client.get(path)
        profiler.stop()
        print(f"--- {label}")
        print(profiler.output_text(unicode=True, show_all=False))


if __name__ == "__main__":
    main()
