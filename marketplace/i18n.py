"""Language choice: Chinese by default; a user may switch to English (kept in the session)."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
from flask_babel import Domain, _get_current_context


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
        ctx = _get_current_context()
        if ctx is None:
            return super().get_translations()
        memo = getattr(ctx, "fudao_translations", None)
        locale = getattr(ctx, "babel_locale", None)
        if memo is not None and locale is not None and memo[0] is locale and memo[1] is self:
            return memo[2]
        translations = super().get_translations()
        ctx.fudao_translations = (ctx.babel_locale, self, translations)
        return translations


def install_request_domain(babel) -> None:
    """Make RequestDomain the default domain of `babel` (the extension object shared by every app)."""
    if not isinstance(babel.__dict__.get("domain_instance"), RequestDomain):
        babel.domain_instance = RequestDomain()
