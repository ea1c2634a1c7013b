"""Pieces of a page rendered once and reused, keyed by their content (issue 17).

    {% fragment c, can_appoint, own_department %} … {% endfragment %}

renders the body once for each distinct key and keeps the markup per app (its Jinja environment). The key is
the values given (they must be everything the body shows or decides on: the row's own values, the viewer's
relevant permissions) plus what every fragment depends on implicitly: the template and line, the language (the
body's `_()`) and where the app is mounted (`request.script_root`, the body's `url_for`). A fragment is thus
correct without invalidation: changed data is a new key. Never key a fragment on a user's identity alone or
put a nonce, the time or anything personal that is not in the key inside one; a form's CSRF token goes in as
`{{ csrf_slot }}`, which each showing fills with the request's token.

The table is bounded (`FRAGMENT_LIMIT` entries, emptied when full): a miss renders the body as before.

`url_pattern(endpoint, name)` is the other half: a URL with one integer part, worked out once per app, endpoint
and mount point by `url_for` and then filled in per row (`url_for` per row costs a route build each).
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup, escape

from marketplace.i18n import locale_name

FRAGMENT_LIMIT = 8192
# Written inside a fragment where the form token goes (`{{ csrf_slot }}`): the kept markup holds this, and each
# showing puts the request's own token in its place. NUL never occurs in a page's data (PostgreSQL refuses it
# in text, and the hardening refuses it in any input), so nothing else can be taken for the slot.
CSRF_SLOT = Markup("\x00csrf\x00")


class FragmentExtension(Extension):
    tags = {"fragment"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(fragment_memo={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        values = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            values.append(parser.parse_expression())
        body = parser.parse_statements(("name:endfragment",), drop_needle=True)
        key = nodes.Tuple([nodes.Const(f"{parser.name}:{lineno}"), *values], "load")
        return nodes.CallBlock(self.call_method("_render", [key]), [], [], body).set_lineno(lineno)

    def _render(self, key: tuple, caller):
        key = (key, locale_name(), request.script_root if has_request_context() else "")
        memo = self.environment.fragment_memo
        html = memo.get(key)
        if html is None:
            html = caller()
            if len(memo) >= FRAGMENT_LIMIT:
                memo.clear()
            memo[key] = html
        if CSRF_SLOT in html:
            from flask_wtf.csrf import generate_csrf

            html = Markup(html.replace(CSRF_SLOT, escape(generate_csrf())))  # noqa: S704 (kept markup, escaped token)
        return html


_MARKER = 918273645


def url_pattern(endpoint: str, name: str):
    """A function of one integer giving `url_for(endpoint, **{name: value})`, for a list's rows."""
    script_root = request.script_root if has_request_context() else ""
    memo = current_app.extensions.setdefault("fudao_url_patterns", {})
    key = (endpoint, name, script_root)
    found = memo.get(key)
    if found is None:
        from flask import url_for

        url = url_for(endpoint, **{name: _MARKER})
        prefix, marker, suffix = url.partition(str(_MARKER))
        if not marker or str(_MARKER) in suffix:
            raise ValueError(f"{endpoint}: {url}")
        if len(memo) > 1024:
            memo.clear()

        def found(value: int, prefix=prefix, suffix=suffix) -> str:
            return f"{prefix}{int(value)}{suffix}"

        memo[key] = found
    return found
