"""Shared fixtures: one app per session on a real database, tables emptied after each test, builders for
departments and users, a login helper, an API token helper and a query counter.

DATABASE_URL selects the database (PostgreSQL in CI); by default a throwaway SQLite file. Regions are
loaded once per session for a few provinces (Beijing, Hebei, Xinjiang and the Bingtuan).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, event

from marketplace import create_app
from marketplace.accounts.models import Role, User
from marketplace.accounts.passwords import hash_password
from marketplace.accounts.services import ensure_department
from marketplace.extensions import db as _db
from marketplace.extensions import limiter
from marketplace.regions.models import Region

TEST_PASSWORD = "Test#Pass2026"
TEST_PROVINCES = {"11", "13", "65"}
pytest_plugins = ["tests.webpages"]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, reachable: bool) -> None:
    """Skip when a server is missing on a developer machine; fail in CI, where it must be there."""
    if reachable:
        return
    if IN_CI:
        pytest.fail(f"{name} is required in CI but is not reachable")
    pytest.skip(f"{name} not reachable")


def postgres_reachable(host: str = "127.0.0.1", port: int = 5432) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_postgres_session() -> None:
    """For tests that need the session's own database to be PostgreSQL (real concurrent transactions). In a
    run on SQLite they skip when a PostgreSQL server is there (CI runs the suite on it too, where they run),
    and fail in CI when it is not."""
    if _db.engine.dialect.name == "postgresql":
        return
    require_service("PostgreSQL", postgres_reachable())
    pytest.skip("needs the session database on PostgreSQL (DATABASE_URL); runs in the PostgreSQL pass")


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("instance"))


@pytest.fixture(scope="session")
def database_url(instance_path, worker_id) -> Iterator[str]:
    """SQLite in the session's folder, or DATABASE_URL; under pytest-xdist each worker gets its own
    PostgreSQL database next to the given one (created here, dropped at the end)."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield f"sqlite:///{instance_path}/test.sqlite"
        return
    if worker_id == "master" or not url.startswith("postgresql"):
        yield url
        return
    from sqlalchemy import create_engine, text

    base, _sep, name = url.rpartition("/")
    worker_db = f"{name}_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{worker_db}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{worker_db}"'))
    yield f"{base}/{worker_db}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{worker_db}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def app(instance_path, database_url):
    os.environ["FUDAO_INSTANCE_PATH"] = instance_path
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_LOGIN": "1000 per minute",
        "RATELIMIT_API": "1000 per minute",
        "MAIL_FILE_PATH": f"{instance_path}/outbox",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # scrypt's cost is for production, not for tests
        "RATELIMIT_STORAGE_URI": "memory://",  # per test process, so parallel workers don't share counters
    })
    app.extensions["celery"].conf.task_always_eager = True
    # The one limiter's storage is whatever app called init_app last (another test's app, the journeys' live
    # server: Redis when REDIS_URL is set, which the xdist workers share); `db` puts this app's back each test.
    app.extensions["test_limiter_state"] = dict(limiter.__dict__)
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        from marketplace.regions.services import load_regions

        load_regions(app.config["REGION_DATA_DIR"], provinces=TEST_PROVINCES)
        _db.session.commit()
        app.config["TEST_PASSWORD_HASH"] = hash_password(TEST_PASSWORD)
    yield app
    with app.app_context():
        _db.session.remove()
        if database_url.startswith("postgresql"):
            _db.drop_all()


def keep_eager_celery(app) -> None:
    """Make the session app's eager Celery app both default and current again. Another app made during the
    session (make_app, a CLI test) may have become Celery's default or this thread's current app (every
    `Celery()` sets itself current); shared tasks must keep resolving to the eager one, or a `.delay().get()`
    waits for a worker that never comes (it hung a CI run for 90 minutes)."""
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()


@pytest.fixture(autouse=True)
def db(app) -> Iterator:
    """The database with regions loaded; every other table is emptied after the test."""
    ctx = app.app_context()
    ctx.push()
    keep_eager_celery(app)
    limiter.__dict__.clear()
    limiter.__dict__.update(app.extensions["test_limiter_state"])
    limiter.reset()
    yield _db
    _db.session.rollback()
    for table in reversed(_db.metadata.sorted_tables):
        if table.name != Region.__tablename__:
            _db.session.execute(delete(table))
    _db.session.commit()
    _db.session.remove()
    limiter.reset()
    ctx.pop()


_DEMO_ROWS: dict[str, list[dict]] = {}


@pytest.fixture
def demo(db):
    """The whole demo (`seed_demo`), built once per test process and copied back row by row for every later
    test that asks for it: building it takes ~9 s and a dozen areas check their part of it. The copy keeps the
    ids (sequences moved past them on PostgreSQL); files the demo wrote stay in the session's instance folder.
    A test that calls `seed_demo()` again checks that it is idempotent against the same rows. On PostgreSQL the
    copy runs with the foreign-key triggers off for its transaction (it only puts back rows that were consistent)."""
    tables = [t for t in _db.metadata.sorted_tables if t.name != Region.__tablename__]
    if not _DEMO_ROWS:
        from marketplace.demo.services import seed_demo

        seed_demo()
        _db.session.commit()
        for table in tables:
            _DEMO_ROWS[table.name] = [dict(row) for row in _db.session.execute(
                table.select().order_by(*table.primary_key.columns)).mappings()]
        return _db
    if _db.engine.dialect.name == "postgresql":  # rows referring to rows of their own table (users.created_by_id)
        from sqlalchemy import text

        _db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for table in tables:
        if rows := _DEMO_ROWS[table.name]:
            _db.session.execute(table.insert(), rows)
    if _db.engine.dialect.name == "postgresql":
        from sqlalchemy import Integer, func, select

        for table in tables:
            column = table.c.get("id")
            if _DEMO_ROWS[table.name] and column is not None and isinstance(column.type, Integer):
                _db.session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"),
                                                       select(func.max(column)).scalar_subquery())))
    _db.session.commit()
    return _db


class FreshClient(FlaskClient):
    """A test client whose every request starts with an empty `g`, as in production (the `db` fixture keeps
    an app context open for the test body, which requests would otherwise share: the chosen locale, the
    signed-in user and the CSRF token of the session before signing in would leak into the next request)."""

    def open(self, *args, **kwargs):
        from flask import g

        for key in ("_flask_babel", "_login_user", "csrf_token"):
            g.pop(key, None)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshClient
    return app.test_client()


@pytest.fixture
def make_user(app):
    """Build a user directly (fast: a precomputed hash). Officials get the department of `region_code`."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str = Role.OFFICIAL, region_code: str = "130000", username: str | None = None,
             department_region: str | None = None, **fields) -> User:
        role = Role(role)
        n = next(counter)
        department = None
        if role in (Role.OFFICIAL, Role.COUNSELOR):
            department = ensure_department(_db.session.get(Region, department_region or region_code), None)
        user = User(username=username or f"{role.value}{n}", display_name=fields.pop("display_name", f"用户{n}"),
                    role=role, region_code=region_code, department=department,
                    password_hash=app.config["TEST_PASSWORD_HASH"],
                    **{"must_change_password": False, **fields})
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def login(client):
    def do(user: User, password: str = TEST_PASSWORD, follow: bool = False):
        return client.post("/auth/login", data={"username": user.username, "password": password},
                           follow_redirects=follow)

    return do


@pytest.fixture
def api_token(client):
    def issue(user: User, password: str = TEST_PASSWORD) -> dict:
        response = client.post("/api/v1/auth/token", json={"username": user.username, "password": password})
        assert response.status_code == 201, response.get_json()
        return {"Authorization": f"Bearer {response.get_json()['token']}"}

    return issue


@pytest.fixture
def csrf_enabled(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@contextmanager
def count_queries(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def query_counter(db):
    return lambda: count_queries(db.engine)


def text_of(response) -> str:
    """The visible text of an HTML response, tags removed, whitespace folded."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def make_app(app, instance_path):
    """Create another app (e.g. on another database) without disturbing the session's app."""
    made = []
    # init_app on another app rebinds the one limiter's storage (to Redis when REDIS_URL is set, shared by the
    # xdist workers): give the session's app its own back afterwards, and the other apps memory by default
    saved_limiter = dict(limiter.__dict__)

    def make(config: dict):
        other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "RATELIMIT_STORAGE_URI": "memory://",
                            **config})
        keep_eager_celery(app)
        made.append(other)
        return other

    yield make
    limiter.__dict__.clear()
    limiter.__dict__.update(saved_limiter)
    for other in made:
        with other.app_context():
            _db.session.remove()
            for engine in _db.engines.values():
                engine.dispose()


@pytest.fixture
def world(make_user):
    """One user of each kind: officials down the Hebei ladder and one in Beijing, plus the other roles."""
    users = {
        "national": make_user(region_code="000000"),
        "province": make_user(region_code="130000"),
        "other_province": make_user(region_code="110000"),
        "city": make_user(region_code="130100"),
        "county": make_user(region_code="130123"),
        "township": make_user(region_code="130123100"),
        "counselor": make_user(Role.COUNSELOR, region_code="130123", department_region="130123"),
        "operator": make_user(Role.OPERATOR, region_code="130123100"),
        "center_staff": make_user(Role.CENTER_STAFF, region_code="130123"),
    }
    return users
