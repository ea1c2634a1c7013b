"""Backup and restore: the database, the files under instance/ and (on request) the keys, with a manifest
of row counts and file hashes that `restore` checks after loading.

A backup is a folder: `database.dump` (pg_dump's custom format) or `database.sqlite` (SQLite's online backup),
`files.tar.gz` (instance/: center documents, photos, certificates, reports, models — not the database,
the broker's files, logs, in-flight import uploads or `.part` files), `manifest.json`, and with `--with-keys`
a `keys.env` (mode 600) holding SECRET_KEY, DATA_KEY and LOOKUP_KEY: without them encrypted ID numbers and
phones cannot be read, so keep that file apart from the rest (docs/deployment.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from marketplace.extensions import db
from marketplace.timeutil import utcnow

# Not backed up: the database itself, the embedded broker, logs, transient uploads and partial files.
SKIPPED_TOP = {"imports", "outbox"}
SKIPPED_SUFFIXES = (".part", ".log", ".sqlite", ".sqlite-journal", ".sqlite-wal", ".sqlite-shm", ".pid")
KEYS = ("SECRET_KEY", "DATA_KEY", "LOOKUP_KEY")


class BackupError(Exception):
    pass


@dataclass
class Manifest:
    created_at: str
    dialect: str
    counts: dict[str, int]
    files: dict[str, str]

    def write(self, folder: Path) -> None:
        (folder / "manifest.json").write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=1), "utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        return cls(**json.loads((folder / "manifest.json").read_text("utf-8")))


def table_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def instance_files(instance: Path) -> dict[str, str]:
    """The files a backup keeps, relative to instance/, with their SHA-256."""
    files = {}
    for path in sorted(instance.rglob("*")):
        relative = path.relative_to(instance)
        if not path.is_file() or relative.parts[0] in SKIPPED_TOP or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        files[relative.as_posix()] = _sha256(path)
    return files


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client)")
    return path


def _libpq(url) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def create(folder: Path, with_keys: bool = False) -> Manifest:
    """Write a backup into `folder` (created; must be empty). The database is dumped consistently (pg_dump
    takes a snapshot; SQLite's backup API copies a consistent state) while the app keeps running."""
    folder.mkdir(parents=True, exist_ok=True)
    if any(folder.iterdir()):
        raise BackupError(f"{folder} is not empty")
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    counts = table_counts()
    db.session.rollback()
    if url.get_backend_name() == "postgresql":
        subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges",  # noqa: S603
                        f"--file={folder / 'database.dump'}", _libpq(url)], check=True)
    elif url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(folder / "database.sqlite")
        with target:
            source.backup(target)
        source.close()
        target.close()
    else:
        raise BackupError(f"unsupported database {url.get_backend_name()}")
    instance = Path(current_app.instance_path)
    files = instance_files(instance)
    with tarfile.open(folder / "files.tar.gz", "w:gz") as archive:
        for name in files:
            archive.add(instance / name, arcname=name)
    if with_keys:
        keys = folder / "keys.env"
        keys.touch(mode=0o600)
        keys.write_text("".join(f"FUDAO_{key}={current_app.config.get(key) or ''}\n" for key in KEYS), "utf-8")
    manifest = Manifest(created_at=utcnow().isoformat(), dialect=url.get_backend_name(), counts=counts, files=files)
    manifest.write(folder)
    return manifest


def restore(folder: Path) -> Manifest:
    """Load a backup into the configured (empty or disposable) database and instance/, then check every
    table's row count and every file's hash against the manifest; raises BackupError on a mismatch."""
    manifest = Manifest.read(folder)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != manifest.dialect:
        raise BackupError(f"the backup is of {manifest.dialect}, the database is {url.get_backend_name()}")
    db.session.remove()
    db.engine.dispose()
    if manifest.dialect == "postgresql":
        subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",  # noqa: S603
                        "--exit-on-error", f"--dbname={_libpq(url)}", str(folder / "database.dump")], check=True)
    else:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / "database.sqlite", url.database)
    instance = Path(current_app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "files.tar.gz", "r:gz") as archive:
        archive.extractall(instance, filter="data")
    problems = check(manifest)
    if problems:
        raise BackupError("; ".join(problems))
    return manifest


def check(manifest: Manifest) -> list[str]:
    problems = [f"{table}: {count} rows, expected {manifest.counts[table]}"
                for table, count in table_counts().items() if manifest.counts.get(table, 0) != count]
    instance = Path(current_app.instance_path)
    for name, digest in manifest.files.items():
        path = instance / name
        if not path.is_file() or _sha256(path) != digest:
            problems.append(f"{name}: missing or changed")
    return problems


def default_folder() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(os.environ.get("FUDAO_BACKUP_DIR", Path(current_app.instance_path).parent / "backups")) / stamp
