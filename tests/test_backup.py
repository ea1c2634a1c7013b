"""Backup and restore: a backup restored into a fresh database and instance/ has the same row counts and file
hashes (SQLite here; PostgreSQL with pg_dump/pg_restore in the PostgreSQL pass)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from marketplace import backup, crypto
from marketplace.directory.models import Counselor
from marketplace.extensions import db
from tests.marketplace.directory.certificate_helpers import LIU_ID, appoint


@pytest.fixture
def fresh_database(database_url, tmp_path):
    """An empty database of the same kind as the session's (dropped afterwards on PostgreSQL)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path}/restored/fudao.sqlite"
        return
    base, _sep, name = database_url.rpartition("/")
    fresh = f"{name}_restore"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{fresh}"'))
    yield f"{base}/{fresh}"
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)'))
    admin.dispose()


def test_backup_restores_into_a_fresh_database_with_the_same_counts_and_files(app, world, make_app, tmp_path,
                                                                             fresh_database, monkeypatch):
    appoint(world["county"])
    instance = Path(app.instance_path)
    (instance / "uploads").mkdir(exist_ok=True)
    (instance / "uploads" / "rules.pdf").write_bytes(b"%PDF-1.4 center rules")
    (instance / "certificates").mkdir(exist_ok=True)
    (instance / "certificates" / "batch.pdf").write_bytes(b"%PDF-1.4 certificates")
    (instance / "certificates" / "half.pdf.part").write_bytes(b"half")
    (instance / "imports").mkdir(exist_ok=True)
    (instance / "imports" / "upload.xlsx").write_bytes(b"personal data in flight")

    folder = tmp_path / "backup"
    manifest = backup.create(folder, with_keys=True)
    assert manifest.counts["counselors"] == 1 and manifest.counts["regions"] > 1000
    assert {"uploads/rules.pdf", "certificates/batch.pdf"} <= set(manifest.files)
    assert not any(name.endswith(".part") or name.startswith("imports/") for name in manifest.files)
    keys = (folder / "keys.env").read_text()
    assert "FUDAO_SECRET_KEY=test-secret" in keys and (folder / "keys.env").stat().st_mode & 0o777 == 0o600

    restored_instance = tmp_path / "restored-instance"
    monkeypatch.setenv("FUDAO_INSTANCE_PATH", str(restored_instance))
    other = make_app({"SQLALCHEMY_DATABASE_URI": fresh_database})
    with other.app_context():  # the CLI would otherwise use the test's app context (the session's app)
        result = other.test_cli_runner().invoke(args=["backup", "restore", "--from", str(folder), "--yes"])
        assert result.exit_code == 0, result.output
        assert "match the manifest" in result.output, result.output
        assert backup.table_counts() == manifest.counts
        counselor = db.session.scalar(select(Counselor))
        assert crypto.decrypt(counselor.id_number_cipher) == LIU_ID  # readable with the same keys
        assert backup.check(manifest) == []
        (restored_instance / "uploads" / "rules.pdf").write_bytes(b"changed")
        assert backup.check(manifest) == ["uploads/rules.pdf: missing or changed"]
        db.session.remove()


def test_backup_refuses_a_folder_that_is_not_empty(app, tmp_path):
    (tmp_path / "old").write_text("x")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.create(tmp_path)
