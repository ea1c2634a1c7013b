"""Fudao: the Flask app factory. `create_app` is a flat list of `register_*` calls with no side effects."""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace.config import default_config, production_overrides

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("FUDAO_INSTANCE_PATH") or str(ROOT / "instance"),
                template_folder=str(ROOT / "templates"))
    app.config.from_mapping(default_config(app.instance_path))
    if os.environ.get("FUDAO_ENV") == "production":
        app.config.from_mapping(production_overrides())
    app.config.from_prefixed_env("FUDAO")
    if config:
        app.config.from_mapping(config)
    _normalize(app)
    _check_production(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    register_logging()
    register_extensions(app)
    register_hardening(app)
    register_security(app)
    register_blueprints(app)
    register_api(app)
    register_templates(app)
    register_errors(app)
    register_cli(app)
    register_celery(app)
    return app


DURATIONS = ("API_TOKEN_TTL", "LOGIN_DELAY_BASE", "LOGIN_DELAY_MAX", "LOGIN_THROTTLE_WINDOW", "SESSION_IDLE_TIMEOUT",
             "PERMANENT_SESSION_LIFETIME")


def _normalize(app: Flask) -> None:
    """Durations may come from the environment as seconds; X-Forwarded-* are trusted from exactly
    TRUSTED_PROXIES hops (none by default, so a client reaching the app directly cannot pick its address)."""
    for key in DURATIONS:
        if isinstance(app.config[key], int | float):
            app.config[key] = timedelta(seconds=app.config[key])
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops < 0:
        raise RuntimeError("TRUSTED_PROXIES must be 0 or more")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def _check_production(app: Flask) -> None:
    if os.environ.get("FUDAO_ENV") == "production" and app.config["SECRET_KEY"] == "dev-only-change-me":  # noqa: S105
        raise RuntimeError("Set SECRET_KEY (or FUDAO_SECRET_KEY) in production")


def register_logging() -> None:
    from marketplace import logredact

    logredact.install()


def register_extensions(app: Flask) -> None:
    from marketplace import models  # noqa: F401  (every model registered before the mappers configure)
    from marketplace.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
    from marketplace.i18n import install_request_domain, select_locale

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_request_domain(babel)
    limiter.init_app(app)
    mail.init_app(app)


def register_hardening(app: Flask) -> None:
    from marketplace.hardening import init_hardening

    init_hardening(app)


def register_security(app: Flask) -> None:
    from marketplace.auth.security import init_security

    init_security(app)


def register_blueprints(app: Flask) -> None:
    from marketplace.accounts.views import bp as accounts_bp
    from marketplace.agreements import record_views  # noqa: F401  (routes on the agreements bp)
    from marketplace.agreements.views import bp as agreements_bp
    from marketplace.audit.views import bp as audit_bp
    from marketplace.auth.views import bp as auth_bp
    from marketplace.awards.views import bp as awards_bp
    from marketplace.awards.views import public_bp as public_awards_bp
    from marketplace.centers.views import bp as centers_bp
    from marketplace.centers.views import public_bp as catalogue_bp
    from marketplace.directory import bulk_views, import_views, served_views, yearly_views  # noqa: F401  (on the directory bp)
    from marketplace.directory.certificate_views import public_bp as verify_bp
    from marketplace.directory.views import bp as directory_bp
    from marketplace.directory.views import public_bp as public_directory_bp
    from marketplace.entities import claim_views as entity_claim_views  # noqa: F401  (on the entities bp)
    from marketplace.entities import import_views as entity_import_views  # noqa: F401  (on the entities bp)
    from marketplace.entities.views import bp as entities_bp
    from marketplace.evaluation.views import bp as evaluation_bp
    from marketplace.jobs.views import bp as jobs_bp
    from marketplace.main.views import bp as main_bp
    from marketplace.needs.views import bp as needs_bp
    from marketplace.notices.views import bp as notices_bp
    from marketplace.notices.views import public_bp as public_notices_bp
    from marketplace.notifications.views import bp as notifications_bp
    from marketplace.oversight.views import bp as oversight_bp
    from marketplace.providers.views import bp as providers_bp
    from marketplace.ranking.views import bp as ranking_bp
    from marketplace.reports.views import bp as reports_bp
    from marketplace.reports.views import public_bp as cases_bp
    from marketplace.training import import_views as training_import_views  # noqa: F401  (on the training bp)
    from marketplace.training.views import bp as training_bp
    from marketplace.training.views import public_bp as training_verify_bp

    for blueprint in (main_bp, auth_bp, accounts_bp, audit_bp, notifications_bp, directory_bp, verify_bp,
                      public_directory_bp, centers_bp, catalogue_bp, entities_bp, needs_bp, evaluation_bp,
                      oversight_bp, agreements_bp, ranking_bp, jobs_bp, training_bp, training_verify_bp,
                      providers_bp, awards_bp, public_awards_bp, notices_bp, public_notices_bp, reports_bp,
                      cases_bp):
        app.register_blueprint(blueprint)

    from marketplace.awards.services import provider_awards
    from marketplace.providers.services import register_award_source

    register_award_source(provider_awards)  # awards on the provider pages


def register_api(app: Flask) -> None:
    from marketplace.accounts.api import blp as accounts_api
    from marketplace.agreements import files_api  # noqa: F401  (routes on the agreements API blueprint)
    from marketplace.agreements.api import blp as agreements_api
    from marketplace.api import init_api
    from marketplace.audit.api import blp as audit_api
    from marketplace.auth.api import blp as auth_api
    from marketplace.awards.api import blp as awards_api
    from marketplace.centers.api import blp as centers_api
    from marketplace.centers.api import catalogue_blp as catalogue_api
    from marketplace.directory import bulk_api  # noqa: F401  (routes on the counselors API blueprint)
    from marketplace.directory.api import blp as counselors_api
    from marketplace.directory.certificate_api import blp as certificates_api
    from marketplace.directory.import_api import blp as imports_api
    from marketplace.entities.api import blp as entities_api
    from marketplace.entities.claim_api import blp as entity_claims_api
    from marketplace.entities.import_api import blp as entity_imports_api
    from marketplace.evaluation.api import blp as evaluations_api
    from marketplace.jobs.api import blp as jobs_api
    from marketplace.needs.api import blp as needs_api
    from marketplace.needs.api import invitations_blp as invitations_api
    from marketplace.notices.api import blp as notices_api
    from marketplace.notifications.api import blp as notifications_api
    from marketplace.providers.api import blp as providers_api
    from marketplace.regions.api import blp as regions_api
    from marketplace.reports.api import blp as reports_api
    from marketplace.training.api import blp as trainings_api

    init_api(app, [auth_api, accounts_api, regions_api, notifications_api, audit_api, counselors_api, imports_api,
                   jobs_api, certificates_api, centers_api, catalogue_api, entities_api, entity_imports_api, needs_api,
                   invitations_api, agreements_api, entity_claims_api, trainings_api, providers_api,
                   awards_api, notices_api, evaluations_api, reports_api])


def register_templates(app: Flask) -> None:
    from marketplace.templating import init_templating

    init_templating(app)


def register_errors(app: Flask) -> None:
    from marketplace.api import init_error_handlers

    init_error_handlers(app)


def register_cli(app: Flask) -> None:
    from marketplace.cli import init_cli

    init_cli(app)


def register_celery(app: Flask) -> None:
    from marketplace.worker import celery_init_app

    celery_init_app(app)
