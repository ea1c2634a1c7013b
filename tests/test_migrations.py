"""The schema comes only from Alembic migrations: one head, and upgrade from empty matches the models."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from marketplace.extensions import db
from tests.conftest import require_service

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
PG_ADMIN_URL = os.environ.get("FUDAO_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def test_single_head():
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; merge them"


def _ignored(diff) -> bool:
    # Autogenerate cannot see expression indexes (lower(username)); the migration creates it by hand.
    return diff[0] in ("add_index", "remove_index") and diff[1].name == "uq_users_username_lower"


def _upgrade_compare_downgrade(make_app, url: str) -> None:
    other = make_app({"SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        upgrade(directory=str(MIGRATIONS))
        with db.engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}),
                                     db.metadata)
            tables = set(inspect(connection).get_table_names())
        assert [d for d in diffs if not _ignored(d)] == []
        assert {"regions", "departments", "users", "api_tokens", "audit_entries", "notifications"} <= tables
        downgrade(directory=str(MIGRATIONS), revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}


def test_upgrade_from_empty_on_sqlite(make_app, tmp_path):
    _upgrade_compare_downgrade(make_app, f"sqlite:///{tmp_path / 'migrate.sqlite'}")


@pytest.mark.postgres
def test_upgrade_from_empty_on_postgresql(make_app):
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure to connect means the server is not there
        require_service("PostgreSQL", False)
    name = f"fudao_migrate_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _upgrade_compare_downgrade(make_app, PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
