"""Content-keyed fragments (marketplace/fragments.py) and the per-process memos of the ranking's state."""

from __future__ import annotations

import re

from flask_babel import force_locale
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.fragments import CSRF_SLOT, url_pattern
from marketplace.ranking import services as ranking
from marketplace.ranking.models import MatchLog
from tests.conftest import count_queries

TEMPLATE = ("{% for n in numbers %}{% fragment n, flag %}[{{ _('姓名') }} {{ n }} {{ flag }} "
            "{{ calls.append(n) or '' }}{{ url_for('directory.show_counselor', counselor_id=n) }}]"
            "{% endfragment %}{% endfor %}")


def test_a_fragment_is_kept_per_key_language_and_mount_point(app):
    template = app.jinja_env.from_string(TEMPLATE)
    calls: list[int] = []
    with app.test_request_context("/"):
        first = template.render(numbers=[1, 2, 1], flag=True, calls=calls)
        assert calls == [1, 2]  # the second 1 is the kept markup
        assert first == template.render(numbers=[1, 2, 1], flag=True, calls=calls) and calls == [1, 2]
        calls.clear()
        assert "[姓名 1 False" in template.render(numbers=[1], flag=False, calls=calls) and calls == [1]
        assert "[姓名 1 True" in first and "/directory/1]" in first
        with force_locale("en"):
            english = template.render(numbers=[1], flag=True, calls=calls)
        assert english.startswith("[Name 1 True")
    with app.test_request_context("/", base_url="http://localhost/mount/"):
        mounted = template.render(numbers=[1], flag=True, calls=calls)
    assert "/mount/directory/1]" in mounted


def test_the_csrf_slot_is_filled_with_each_requests_token(app):
    template = app.jinja_env.from_string("{% fragment 'form' %}<input value=\"{{ csrf_slot }}\">{% endfragment %}")
    tokens = []
    for raw in ("a" * 40, "b" * 40):
        with app.test_request_context("/"):
            from flask import g, session
            from flask_wtf.csrf import generate_csrf

            session["csrf_token"] = raw  # two sessions
            g.pop("csrf_token", None)  # (the test's app context outlives each request)
            html = template.render()
            tokens.append(re.search(r'value="([^"]+)"', html).group(1))
            assert tokens[-1] == generate_csrf() and CSRF_SLOT not in html
    assert tokens[0] != tokens[1]  # two tokens, one kept fragment


def test_url_pattern_is_url_for_with_the_number_filled_in(app):
    with app.test_request_context("/"):
        from flask import url_for

        assert url_pattern("directory.show_counselor", "counselor_id")(42) == url_for(
            "directory.show_counselor", counselor_id=42)
    with app.test_request_context("/", base_url="http://localhost/mount/"):
        assert url_pattern("directory.show_counselor", "counselor_id")(7) == "/mount/directory/7"


def _shown(need, kind="all"):
    from marketplace.needs.candidates import rank_candidates

    return rank_candidates(need, kind, limit=10, log_for=need.owner)


def test_the_last_match_log_is_kept_once_committed(app, world, monkeypatch):
    from tests.marketplace.needs.helpers import make_counselor, make_need

    monkeypatch.setitem(app.config, "MATCHING_STATE_MEMO_IN_TESTS", True)
    ranking._log_memo.clear()
    make_counselor(world["county"], world["counselor"], name="刘桂芳", industries=1)
    need = make_need(world["operator"])
    with app.test_request_context("/"):
        assert _shown(need)
        db.session.rollback()  # the log was not stored: it is not remembered either
        assert not ranking._log_memo.get((app.config["SQLALCHEMY_DATABASE_URI"], need.id, "all"))
        assert _shown(need)
        db.session.commit()
        with count_queries(db.engine) as statements:
            assert _shown(need)
        db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(MatchLog)) == 1
    assert not [s for s in statements if "match_logs" in s]  # neither read nor written again


def test_a_promotion_in_this_process_serves_at_once(app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_STATE_MEMO_IN_TESTS", True)
    ranking._serving_memo.clear()
    with app.test_request_context("/"):
        assert ranking.serving_model() is None
        with count_queries(db.engine) as statements:
            assert ranking.serving_model() is None
        assert statements == []
    ranking._serving_memo.clear()
