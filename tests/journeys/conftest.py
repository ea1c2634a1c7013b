"""Browser journeys: Playwright drives Debian's Chromium against a live server of the app.

One live server per test process (per xdist worker): the app on its own database — a SQLite file, or a
`<DATABASE_URL>_journeys_<worker>` PostgreSQL database when DATABASE_URL points at PostgreSQL (CI) — with
Celery eager, served by werkzeug in a thread on a free port (bound to port 0). A small world is built once
(`tests/journeys/world.py`); each journey works in its own county so they never see each other's rows.

Chromium missing: the journeys skip on a developer machine and fail in CI (`require_service`); `.ci/run`
and `scripts/setup` (as root) install Debian's `chromium` package.

On failure the screenshots taken at each step (`Journey.step`) and of every open page are written to a
folder whose path is printed with the failure.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.conftest import require_service

log = logging.getLogger(__name__)
CHROMIUM = os.environ.get("FUDAO_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "Journey#Pass2026"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.fixture(autouse=True)
def db():
    """The unit tests' rolled-back database is not used here: the live server has its own."""
    yield None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    require_service("Chromium (apt-get install chromium)", Path(CHROMIUM).exists() or bool(shutil.which(CHROMIUM)))
    return CHROMIUM


@pytest.fixture(scope="session")
def journey_database(tmp_path_factory, worker_id) -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('journeys-db')}/journeys.sqlite"
        return
    from sqlalchemy import create_engine, text

    base, _sep, name = url.rpartition("/")
    own = f"{name}_journeys_{worker_id}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{own}"'))
    yield f"{base}/{own}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{own}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Live:
    app: object
    url: str
    instance_path: Path
    users: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def live(chromium_path, journey_database, tmp_path_factory) -> Iterator[Live]:
    """The app served on a free port, its database made and the journeys' world built."""
    from marketplace import create_app
    from marketplace.extensions import db as _db
    from tests.journeys import world

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in the test output

    instance = tmp_path_factory.mktemp("journeys-instance")
    # Bind first (port 0: the system picks a free one), then tell the app the address it serves.
    server = make_server("127.0.0.1", 0, lambda environ, start_response: [], threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    previous_instance = os.environ.get("FUDAO_INSTANCE_PATH")
    os.environ["FUDAO_INSTANCE_PATH"] = str(instance)  # read once, by create_app
    try:
        app = create_app({
            "SECRET_KEY": "journeys-secret",
            "SQLALCHEMY_DATABASE_URI": journey_database,
            "PUBLIC_URL": url,
            "RATELIMIT_STORAGE_URI": "memory://",
            "RATELIMIT_LOGIN": "1000 per minute",
            "RATELIMIT_API": "1000 per minute",
            "RATELIMIT_VERIFY": "1000 per minute",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "MAIL_FILE_PATH": str(instance / "outbox"),
        })
    finally:
        if previous_instance is None:
            os.environ.pop("FUDAO_INSTANCE_PATH", None)
        else:
            os.environ["FUDAO_INSTANCE_PATH"] = previous_instance
    app.extensions["celery"].conf.task_always_eager = True
    try:
        with app.app_context():
            _db.create_all()
            users = world.build(PASSWORD)
            _db.session.commit()
            _db.session.remove()
        server.app = app
        thread = threading.Thread(target=server.serve_forever, name="journeys-live-server", daemon=True)
        thread.start()
        yield Live(app=app, url=url, instance_path=instance, users=users)
    finally:
        server.shutdown()
        server.server_close()
        with app.app_context():
            _db.session.remove()
            for engine in _db.engines.values():
                engine.dispose()


@pytest.fixture(autouse=True)
def _live_celery(request):
    """Shared tasks queued by the live server resolve to its (eager) Celery app, not another app the same
    test process made for the unit tests."""
    if "live" in request.fixturenames:
        request.getfixturevalue("live").app.extensions["celery"].set_default()


@pytest.fixture(scope="package")
def browser(chromium_path):
    """Per package, not per session: a running sync Playwright keeps an asyncio loop in this thread, and the
    other browser tests of the same worker (tests/test_phone_layout.py, entities/test_pages.py) start their
    own once the journeys are done."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


class Journey:
    """The parties of one journey: a browser context each (phone or desktop), signed in through the rendered
    login form. `step(name)` takes a screenshot of every party's page, kept for the failure report."""

    def __init__(self, browser, live: Live):
        self.browser, self.live = browser, live
        self.pages: dict[str, object] = {}
        self.shots: list[tuple[str, bytes]] = []
        self.defects: list[str] = []

    def party(self, name: str, username: str | None = None, viewport: dict = DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True,
                                           timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        self.pages[name] = page
        if username is not None:
            self.sign_in(page, username)
        return page

    def sign_in(self, page, username: str, password: str = PASSWORD) -> None:
        page.goto(self.live.url + "/auth/login")
        form = page.locator("main form").filter(has=page.locator("input[type=password]"))
        form.locator("input[name=username]").fill(username)
        form.locator("input[type=password]").fill(password)
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert "/auth/login" not in page.url, f"{username} could not sign in: {text(page)[:300]}"

    def go(self, page, path: str):
        page.goto(self.live.url + path)
        return page

    def step(self, name: str) -> None:
        for party, page in self.pages.items():
            try:
                self.shots.append((f"{len(self.shots):02d}-{name}-{party}", page.screenshot(full_page=True)))
            except PlaywrightError as error:  # a page the journey closed has nothing to show
                log.info("no screenshot of %s: %s", party, error)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, png in self.shots:
            (folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png").write_bytes(png)
        for party, page in self.pages.items():
            try:
                page.screenshot(path=folder / f"zz-at-failure-{party}.png", full_page=True)
                (folder / f"zz-at-failure-{party}.html").write_text(page.content(), encoding="utf-8")
            except PlaywrightError as error:
                log.info("no screenshot of %s: %s", party, error)

    @contextmanager
    def known_defect(self, reason: str):
        """A check that fails until a fix another branch is making reaches main: its failure is noted (with a
        screenshot), the journey goes on, and `finish()` marks the test xfail naming every such defect."""
        try:
            yield
        except AssertionError as error:
            self.defects.append(f"{reason} [{str(error).splitlines()[0][:160]}]")
            self.step("known-defect")

    def finish(self) -> None:
        if self.defects:
            pytest.xfail("; ".join(self.defects))

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def text(page) -> str:
    """The visible text of the page's main content, whitespace folded."""
    return re.sub(r"\s+", " ", page.locator("body").inner_text())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.journey_failed = report.failed
    return report


@pytest.fixture
def journey(request, browser, live) -> Iterator[Journey]:
    journey = Journey(browser, live)
    yield journey
    if getattr(request.node, "journey_failed", False):
        folder = Path(os.environ.get("FUDAO_JOURNEY_SHOTS") or tempfile.gettempdir()) / (
            "fudao-journeys-" + re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name))
        journey.save(folder)
        print(f"\njourney screenshots: {folder}")  # shown with the failure's captured output
    journey.close()
