"""The users of bench/mixed_load.py (locust, run as a library, headless): 20 anonymous visitors, 12 farm
operators, 10 counselors and 8 officials out of 50 (the same shares for another --users), each signed in once
through the rendered form with its CSRF token, then browsing with 0.5–2.5 s between requests.

    .venv/bin/python bench/mixed_load_users.py --host http://127.0.0.1:5641 --plan PLAN.json --out SAMPLES.json

The plan (written by bench/mixed_load.py from the database) names the demo accounts and what they may open.
Every request is recorded with its phase: "signin" (the sign-ins and API tokens), "warmup", "measured". A
request succeeds on the status its page gives a browser: 200 for pages and the API, 302 after a form POST,
409 for a conflict on a double action; any other status (5xx, an unexpected 4xx, a redirect to the sign-in
page) is a failure. Redirects are not followed: the page a POST leads to is requested (and timed) on its own,
as a browser would.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from locust import FastHttpUser, between, task
from locust.env import Environment

PASSWORD = "Fudao@2026"  # marketplace/demo/services.py DEMO_PASSWORD
MIX = (("anonymous", 20), ("operator", 12), ("counselor", 10), ("official", 8))
PLAN: dict = {}
STATE = {"phase": "signin", "signed_in": 0}
ALL_IN = Event()
SAMPLES: list[dict] = []


def on_request(request_type, name, response_time, response_length, response=None, exception=None, **_kw):
    sample = {"name": name, "ms": response_time, "ok": exception is None, "phase": STATE["phase"],
              "status": getattr(response, "status_code", None)}
    if exception is not None:
        sample["error"] = str(exception)[:200]
    SAMPLES.append(sample)


class FormParser(HTMLParser):
    """The fields of the forms on a page: {action: {name: value}} (hidden and text inputs, checked boxes,
    selected options, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self._form: dict[str, str] | None = None
        self._select: str | None = None
        self._first_option: dict[str, str] = {}
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("action") or "", {})
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self._form.setdefault(a["name"], a.get("value") or "")
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            self._first_option.setdefault(self._select, a.get("value") or "")
            if "selected" in a:
                self._form[self._select] = a.get("value") or ""
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form[self._textarea] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select and self._form is not None:
            self._form.setdefault(self._select, self._first_option.get(self._select, ""))
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self._form = None


def forms_of(html: str) -> dict[str, dict[str, str]]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


class Base(FastHttpUser):
    abstract = True
    wait_time = between(0.5, 2.5)
    role = ""
    accounts: itertools.cycle | None = None

    def page(self, path: str, name: str, expect=(200,), headers=None):
        """GET without following redirects; a status outside `expect` is a failure. Returns the body."""
        with self.client.get(path, name=name, headers=headers, allow_redirects=False, catch_response=True) as r:
            if r.status_code in expect or r.status_code == 409:
                r.success()
                return r.text or ""
            where = r.headers.get("Location", "") if r.headers else ""
            r.failure(f"{r.status_code} {where}".strip())
            return None

    def post_form(self, path: str, data: dict, name: str, expect=(302, 303)):
        """POST a form; returns the Location it redirects to (None on a failure)."""
        with self.client.post(path, data=data, name=name, allow_redirects=False, catch_response=True) as r:
            location = (r.headers.get("Location", "") if r.headers else "") or ""
            if (r.status_code in expect and "/auth/login" not in location) or r.status_code == 409:
                r.success()
                return location
            r.failure(f"{r.status_code} {location}".strip())
            return None

    def sign_in(self) -> None:
        html = self.page("/auth/login", "sign-in: GET /auth/login") or ""
        token = forms_of(html).get("", {}).get("csrf_token", "")
        location = self.post_form("/auth/login", {"csrf_token": token, "username": self.username,
                                                  "password": PASSWORD}, "sign-in: POST /auth/login")
        if location is None or "two-factor" in location:
            raise RuntimeError(f"{self.username} did not sign in ({location})")

    def api_token(self) -> dict:
        with self.client.post("/api/v1/auth/token", json={"username": self.username, "password": PASSWORD},
                              name="sign-in: POST /api/v1/auth/token", catch_response=True) as r:
            if r.status_code in (200, 201):
                r.success()
                return {"Authorization": "Bearer " + r.json()["token"]}
            r.failure(str(r.status_code))
            raise RuntimeError(f"{self.username} got no API token ({r.status_code})")

    def on_start(self) -> None:
        try:
            self.begin()
        finally:
            STATE["signed_in"] += 1
        ALL_IN.wait()

    def begin(self) -> None:
        pass


class Anonymous(Base):
    role = "anonymous"

    def begin(self) -> None:
        self.rng = random.Random()

    @task(2)
    def home(self):
        self.page("/", "/")

    @task(2)
    def public_directory(self):
        self.page("/public/counselors", "/public/counselors")

    @task(4)
    def public_directory_filtered(self):
        rng = self.rng
        choices = [
            f"?province={rng.choice(PLAN['provinces'])}",
            f"?province=130000&city={rng.choice(PLAN['hebei_cities'])}",
            "?province=130000&city=130100&county=130123",
            f"?specialty={1 << rng.randrange(8)}",
            f"?specialty={1 << rng.randrange(8)}&industry={1 << rng.randrange(8)}",
            f"?page={rng.randrange(2, 30)}",
            f"?province=130000&page={rng.randrange(2, 10)}",
            "?q=王建国",
        ]
        self.page("/public/counselors" + rng.choice(choices), "/public/counselors?filters&page")

    @task(2)
    def catalogue(self):
        rng = self.rng
        query = rng.choice(["", "", f"?category={1 << rng.randrange(8)}", "?province=130000",
                            "?province=130000&city=130100"])
        self.page("/catalogue/" + query, "/catalogue/")

    @task(1)
    def catalogue_center(self):
        if PLAN["centers"]:
            self.page(f"/catalogue/{self.rng.choice(PLAN['centers'])}", "/catalogue/<id>")

    @task(2)
    def counselor_page(self):
        self.page(f"/providers/counselors/{self.rng.choice(PLAN['public_counselors'])}",
                  "/providers/counselors/<id>")

    @task(1)
    def center_page(self):
        if PLAN["centers"]:
            self.page(f"/providers/centers/{self.rng.choice(PLAN['centers'])}", "/providers/centers/<id>")

    @task(1)
    def awards(self):
        self.page("/public/awards/", "/public/awards/")

    @task(1)
    def cases(self):
        html = self.page("/cases/", "/cases/")
        ids = re.findall(r'href="/cases/(\d+)"', html or "")
        if ids and self.rng.random() < 0.5:
            self.page(f"/cases/{self.rng.choice(ids)}", "/cases/<id>")


class Operator(Base):
    role = "operator"

    def begin(self) -> None:
        self.rng = random.Random()
        self.username = next(Operator.accounts)
        self.sign_in()
        self.headers = self.api_token()
        self.needs = list(PLAN["open_needs"].get(self.username, []))

    def _need(self):
        return self.rng.choice(self.needs) if self.needs else None

    @task(3)
    def my_needs(self):
        html = self.page("/needs/", "/needs/")
        if html and not self.needs:
            self.needs = sorted({int(n) for n in re.findall(r'href="/needs/(\d+)"', html)})[-5:]

    @task(4)
    def need_page(self):
        need = self._need()
        if need:
            self.page(f"/needs/{need}", "/needs/<id> (with matches)")

    @task(3)
    def matches_api(self):
        need = self._need()
        if need:
            kind = self.rng.choice(["all", "counselor", "center"])
            self.page(f"/api/v1/needs/{need}/matches?kind={kind}&limit=10", "/api/v1/needs/<id>/matches",
                      headers=self.headers)

    @task(2)
    def inbox(self):
        self.page("/inbox/", "/inbox/")

    @task(1)
    def post_need(self):
        if self.rng.random() > 0.35:  # now and then
            return
        html = self.page("/needs/new", "/needs/new")
        if not html:
            return
        fields = forms_of(html).get("", {}) or next(iter(forms_of(html).values()), {})
        bit = self.rng.randrange(8)
        fields.update({"category": str(1 << bit), "industry": str(1 << self.rng.randrange(8)),
                       "title": f"压力测试需求 {bit} {self.rng.randrange(10**6)}",
                       "description": "希望有经验的辅导员帮助我们规范财务和销售，最好能上门指导。",
                       "urgency": "normal", "mode": self.rng.choice(["on_site", "remote"]), "publish": "y"})
        location = self.post_form("/needs/new", fields, "POST /needs/new")
        found = re.search(r"/needs/(\d+)", location or "")
        if found:
            need = int(found.group(1))
            self.needs.append(need)
            self.page(f"/needs/{need}", "/needs/<id> (with matches)")


class Counselor(Base):
    role = "counselor"

    def begin(self) -> None:
        self.rng = random.Random()
        account = next(Counselor.accounts)
        self.username, self.counselor_id = account["username"], account["counselor_id"]
        self.sign_in()
        self.headers = self.api_token()

    @task(4)
    def inbox(self):
        html = self.page("/needs/inbox", "/needs/inbox")
        if not html or self.rng.random() > 0.4:
            return
        forms = forms_of(html)
        answers = [action for action in forms if re.search(r"/needs/invitations/\d+/answer$", action)]
        if not answers:
            return
        action = self.rng.choice(answers)
        data = dict(forms[action])
        if self.rng.random() < 0.3:
            data.update({"decision": "accept", "reason": ""})
        else:
            data.update({"decision": "decline", "reason": "时间安排不开，抱歉"})
        location = self.post_form(action, data, "POST /needs/invitations/<id>/answer")
        if location:
            parts = urlsplit(location)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            self.page(path, "/needs/inbox" if path.startswith("/needs/inbox") else "/needs/<id> (counselor)")

    @task(2)
    def recommended(self):
        self.page("/api/v1/needs/recommended", "/api/v1/needs/recommended", headers=self.headers)

    @task(2)
    def notifications(self):
        self.page("/inbox/", "/inbox/")

    @task(2)
    def own_page(self):
        self.page(f"/providers/counselors/{self.counselor_id}", "/providers/counselors/<own id>")


class Official(Base):
    role = "official"

    def begin(self) -> None:
        self.rng = random.Random()
        account = next(Official.accounts)
        self.username, self.account = account["username"], account
        self.sign_in()

    @task(4)
    def directory(self):
        rng = self.rng
        children = self.account["children"]
        choices = ["", f"?specialty={1 << rng.randrange(8)}", f"?specialty={1 << rng.randrange(8)}&industry=1",
                   "?status=appointed&work_mode=full_time", "?q=王建国", f"?page={rng.randrange(2, 20)}",
                   "?sort=name"]
        if children:
            choices.append(f"?region_code={rng.choice(children)}")
        query = rng.choice(choices)
        self.page("/directory/" + query, "/directory/?filters" if query else "/directory/")

    @task(3)
    def dashboard(self):
        children = self.account["children"]
        if children and self.rng.random() < 0.5:
            self.page(f"/oversight/?region={self.rng.choice(children)}", "/oversight/?region=<child>")
        else:
            self.page("/oversight/", "/oversight/")

    @task(2)
    def record(self):
        if self.account["records"]:
            self.page(f"/directory/{self.rng.choice(self.account['records'])}", "/directory/<id>")

    @task(1)
    def notifications(self):
        self.page("/inbox/", "/inbox/")


CLASSES = {"anonymous": Anonymous, "operator": Operator, "counselor": Counselor, "official": Official}


def counts(users: int) -> dict[str, int]:
    """The mix of MIX scaled to `users` (largest remainders)."""
    total = sum(n for _r, n in MIX)
    exact = {role: users * n / total for role, n in MIX}
    out = {role: int(v) for role, v in exact.items()}
    for role in sorted(exact, key=lambda r: exact[r] - out[r], reverse=True)[:users - sum(out.values())]:
        out[role] += 1
    return out


def cpu_snapshot() -> dict[str, float]:
    """CPU seconds so far: the whole machine's busy and idle time (/proc/stat) and the benchmark's processes
    (the gunicorn tree, the Celery worker tree, every postgres process, this load generator)."""
    import os

    import psutil

    ticks = os.sysconf("SC_CLK_TCK")
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]  # noqa: SIM115
    idle = fields[3] + fields[4]
    out = {"busy": (sum(fields[:8]) - idle) / ticks, "idle": idle / ticks}

    def tree(pid: int) -> float:
        try:
            root = psutil.Process(pid)
            total = 0.0
            for proc in [root, *root.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    times = proc.cpu_times()
                    total += times.user + times.system
            return total
        except psutil.Error:
            return 0.0

    out["gunicorn"] = tree(PLAN["web_pid"]) if PLAN.get("web_pid") else 0.0
    out["celery"] = tree(PLAN["worker_pid"]) if PLAN.get("worker_pid") else 0.0
    postgres = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] in ("postgres", "postmaster"):
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                postgres += times.user + times.system
    out["postgres"] = postgres
    out["locust"] = tree(os.getpid())
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--plan", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.plan, encoding="utf-8") as plan:
        PLAN.update(json.load(plan))
    mix = counts(PLAN["users"])
    Operator.accounts = itertools.cycle(PLAN["operators"])
    Counselor.accounts = itertools.cycle(PLAN["counselors"])
    Official.accounts = itertools.cycle(PLAN["officials"])
    for role, cls in CLASSES.items():
        cls.fixed_count = mix[role]
    env = Environment(user_classes=list(CLASSES.values()), host=args.host)
    env.events.request.add_listener(on_request)
    runner = env.create_local_runner()
    started = time.time()
    runner.start(PLAN["users"], spawn_rate=10)
    while STATE["signed_in"] < PLAN["users"] and time.time() - started < 300:
        gevent.sleep(0.2)
    signin_seconds = time.time() - started
    if STATE["signed_in"] < PLAN["users"]:
        raise SystemExit(f"only {STATE['signed_in']} of {PLAN['users']} users started in {signin_seconds:.0f} s")
    print(f"{STATE['signed_in']} users in after {signin_seconds:.1f} s; warm-up {PLAN['warmup']} s", flush=True)
    STATE["phase"] = "warmup"
    ALL_IN.set()
    gevent.sleep(PLAN["warmup"])
    STATE["phase"] = "measured"
    measured_from = time.time()
    cpu_before = cpu_snapshot()
    gevent.sleep(PLAN["duration"])
    STATE["phase"] = "after"
    measured_seconds = time.time() - measured_from
    cpu_after = cpu_snapshot()
    cpu = {k: cpu_after[k] - cpu_before[k] for k in cpu_before}
    runner.quit()
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump({"mix": mix, "cpu": cpu, "signin_seconds": signin_seconds, "measured_seconds": measured_seconds,
                   "warmup_signins": [s for s in SAMPLES if s["phase"] == "signin"],
                   "warmup": [s for s in SAMPLES if s["phase"] == "warmup"],
                   "measured": [s for s in SAMPLES if s["phase"] == "measured"]}, out, ensure_ascii=False)


if __name__ == "__main__":
    main()
