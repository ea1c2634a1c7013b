"""The schema comes only from Alembic migrations: one head, and upgrade from empty matches the models."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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



@contextmanager
def _scratch_postgres(prefix: str) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped afterwards (skipped, or failed in CI, without a
    server)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:  # any failure to connect means the server is not there
        require_service("PostgreSQL", False)
    name = f"fudao_{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_on_sqlite(make_app, tmp_path):
    _upgrade_compare_downgrade(make_app, f"sqlite:///{tmp_path / 'migrate.sqlite'}")


@pytest.mark.postgres
def test_upgrade_from_empty_on_postgresql(make_app):
    with _scratch_postgres("migrate") as url:
        _upgrade_compare_downgrade(make_app, url)


PHONE_COLUMNS = (("entities", "contact_phone"), ("entity_claims", "contact_phone"),
                 ("service_centers", "contact_phone"), ("agreements", "entity_phone"),
                 ("agreements", "provider_phone"))


def _filler(table: str, column: dict):
    """A value for a NOT NULL column of a row written before 0017 (the enum's first value where it is one)."""
    from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric

    model = db.metadata.tables[table].c.get(column["name"])
    if model is not None and isinstance(model.type, Enum):
        return model.type.enums[0]
    kind = column["type"]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, (Integer, Numeric)):
        return 1
    if isinstance(kind, DateTime):
        return "2025-03-01 08:00:00"
    if isinstance(kind, Date):
        return "2025-03-01"
    return "x"


def _phones_encrypted_and_back(make_app, url: str) -> None:
    """0017 encrypts the phones already stored (cipher, look-up hash, masked copy) and its downgrade writes them
    back in plain text."""
    from marketplace.crypto import decrypt, lookup_hash

    other = make_app({"SQLALCHEMY_DATABASE_URI": url})
    with other.app_context():
        upgrade(directory=str(MIGRATIONS), revision="0016_training")
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":  # rows without their parents: no foreign-key triggers
                connection.execute(text("SET session_replication_role = replica"))
            for table in dict(PHONE_COLUMNS):
                values = {c["name"]: _filler(table, c) for c in inspect(connection).get_columns(table)
                          if not c["nullable"] and c.get("default") is None and c["name"] != "id"}
                values.update({column: f"1393110{n:04d}" for n, (t, column) in enumerate(PHONE_COLUMNS)
                               if t == table})
                values["id"] = 7
                if table == "agreements":
                    values["counselor_id"] = 1  # one provider (a CHECK)
                names = ", ".join(values)
                placeholders = ", ".join(f":{k}" for k in values)
                insert = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 (names from PHONE_COLUMNS)
                connection.execute(text(insert), values)
        upgrade(directory=str(MIGRATIONS), revision="0017_entity_phones_encrypted")
        with db.engine.connect() as connection:
            for n, (table, column) in enumerate(PHONE_COLUMNS):
                phone = f"1393110{n:04d}"
                query = f"SELECT {column}_cipher, {column}_hash, {column}_masked FROM {table} WHERE id = 7"  # noqa: S608
                cipher, digest, masked = connection.execute(text(query)).one()
                assert phone not in cipher and decrypt(cipher) == phone
                assert digest == lookup_hash(phone) and masked == phone[:3] + "****" + phone[-4:]
                assert column not in {c["name"] for c in inspect(connection).get_columns(table)}
        downgrade(directory=str(MIGRATIONS), revision="0016_training")
        with db.engine.connect() as connection:
            for n, (table, column) in enumerate(PHONE_COLUMNS):
                query = f"SELECT {column} FROM {table} WHERE id = 7"  # noqa: S608 (names from PHONE_COLUMNS)
                assert connection.execute(text(query)).scalar() == f"1393110{n:04d}"
        downgrade(directory=str(MIGRATIONS), revision="base")


def test_phones_are_encrypted_by_the_migration_and_decrypted_by_its_downgrade_on_sqlite(make_app, tmp_path):
    _phones_encrypted_and_back(make_app, f"sqlite:///{tmp_path / 'phones.sqlite'}")


@pytest.mark.postgres
def test_phones_are_encrypted_by_the_migration_and_decrypted_by_its_downgrade_on_postgresql(make_app):
    with _scratch_postgres("phones") as url:
        _phones_encrypted_and_back(make_app, url)
