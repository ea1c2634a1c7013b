"""Language choice: Chinese by default; a user may switch to English (kept in the session)."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Domain, _get_current_context, get_locale, get_translations
from jinja2 import pass_eval_context
from markupsafe import Markup


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and background tasks write in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(list(languages)) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


class RequestDomain(Domain):
    """Flask-Babel's message domain, with the translations looked up once per request and locale.

    Each lazy label and each `_()` in a template asks the domain for its translations; Flask-Babel resolves the
    locale and formats its name for the cache key every time (about 20 µs, ×270 strings on a directory page).
    Here the translations are kept on the request's Babel context beside the locale object they were found
    for, so a `force_locale` block (which sets another locale object) still gets its own language."""

    def get_translations(self):
        found = _memoized(self)
        if found is not None:
            return found
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        translations = super().get_translations()
        ctx.fudao_translations = (ctx.babel_locale, self, translations)
        return translations


def _babel_state() -> dict | None:
    """The attributes of Flask-Babel's context in this app context's `g` (None outside one, or before Babel
    has set it up), read without the `g` proxy."""
    app_ctx = _cv_app.get(None)
    ctx = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
    return ctx.__dict__ if ctx is not None else None


def _memoized(domain: Domain | None):
    """The translations RequestDomain kept for this request, its locale and `domain` (None: the request's
    domain), or None. Reads the app context's `g` without the `g` proxy (a template asks ~60 times a page)."""
    state = _babel_state()
    if state is None:
        return None
    memo = state.get("fudao_translations")
    if memo is None or memo[0] is None or memo[0] is not state.get("babel_locale"):
        return None
    if memo[1] is not (domain if domain is not None else state.get("babel_domain")):
        return None
    return memo[2]


def locale_name() -> str:
    """`str(get_locale())` ("" without a locale), from the request's Babel context when the locale is already
    known there (a list page asks for each row's labels)."""
    state = _babel_state()
    locale = state.get("babel_locale") if state is not None else None
    if locale is None:
        locale = get_locale()
        return str(locale) if locale is not None else ""
    name = _locale_names.get(id(locale))
    if name is None or name[0] is not locale:
        if len(_locale_names) > 64:
            _locale_names.clear()
        name = _locale_names[id(locale)] = (locale, str(locale))  # the locale is kept: its id is not reused
    return name[1]


_locale_names: dict[int, tuple] = {}


def request_translations():
    """Flask-Babel's `get_translations()` (the request's domain and locale), from RequestDomain's memo when
    it has one: the `_()` of the templates."""
    found = _memoized(None)
    return found if found is not None else get_translations()


def install_template_gettext(app) -> None:
    """The templates' `_()`, `ngettext()`, `pgettext()` and `npgettext()` through `request_translations`
    (Flask-Babel installs the same callables over its slower look-up)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True)
    # `_()` and `gettext()` called directly: Jinja's own go through two more context calls each (~60 a page)
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = template_gettext


@pass_eval_context
def template_gettext(eval_ctx, string: str, **variables) -> str:
    """Jinja's new-style `gettext` (the translation, Markup when autoescaping, always %-formatted with the
    variables, so "%%" is "%" either way), on `request_translations`."""
    rv = request_translations().ugettext(string)
    if eval_ctx.autoescape:
        rv = Markup(rv)  # noqa: S704  (a catalog entry, as Jinja marks it: the variables are escaped)
    if variables or "%" in rv:
        return rv % variables
    return rv


def install_request_domain(babel) -> None:
    """Make RequestDomain the default domain of `babel` (the extension object shared by every app)."""
    if not isinstance(babel.__dict__.get("domain_instance"), RequestDomain):
        babel.domain_instance = RequestDomain()
