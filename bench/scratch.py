"""A scratch PostgreSQL database for a benchmark: created on the server of FUDAO_BENCH_PG_ADMIN_URL (default
the local one), handed to the benchmark as a URL, dropped afterwards unless FUDAO_BENCH_KEEP=1."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

ADMIN_URL = os.environ.get("FUDAO_BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_database(prefix: str = "fudao_bench") -> Iterator[str]:
    name = f"{prefix}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        if os.environ.get("FUDAO_BENCH_KEEP"):
            print(f"kept database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bench_app(url: str):
    """The app on `url` for a benchmark: schema from the migrations, every region loaded, limits and slow
    hashing off. Returns (app, the current counties); the caller works inside `app.app_context()`."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.regions.models import Level, Region
    from marketplace.regions.services import load_regions

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        upgrade(directory="migrations")
        load_regions(app.config["REGION_DATA_DIR"])
        db.session.commit()
        counties = db.session.scalars(select(Region).where(Region.level == Level.COUNTY,
                                                           Region.valid_to.is_(None))).all()
        db.session.expunge_all()
    return app, counties
