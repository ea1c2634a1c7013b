"""`flask matching ...`: train the ranker now, list the registered models."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.ranking.models import ModelVersion

matching_cli = AppGroup("matching", help="Matching: train and list ranking models.")


@matching_cli.command("train")
@click.option("--random-state", default=0, show_default=True)
def train_command(random_state: int) -> None:
    """Train on recorded outcomes; the model serves only if it beats the serving one."""
    from marketplace.ranking.services import train_model

    row = train_model(random_state=random_state)
    db.session.commit()
    if row is None:
        click.echo("数据不足，未训练新模型（仍使用当前模型）")
        return
    m, s = row.metrics, row.serving_metrics
    click.echo(f"模型 {row.version}: NDCG@5 {m['ndcg@5']:.4f} [{m.get('low', 0):.4f}, {m.get('high', 0):.4f}]，"
               f"对比 {row.compared_with} {s['ndcg@5']:.4f}，{'已启用' if row.is_serving else '未启用'}"
               f"（{row.report.get('reason', '')}）")


@matching_cli.command("models")
def models_command() -> None:
    """List the registered models, newest first."""
    for row in db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())):
        click.echo(f"{row.version}  {'serving' if row.is_serving else '       '}  "
                   f"ndcg@5={row.metrics.get('ndcg@5', 0):.4f}  examples={row.n_examples}  {row.path}")


@matching_cli.command("build-pool")
@click.option("--force", is_flag=True, help="Build even if the saved pool is fresh.")
def build_pool_command(force: bool) -> None:
    """Build the shared candidate pool now (what the `matching.build_pool` task does)."""
    from marketplace.ranking.records import build_shared_pool

    click.echo(build_shared_pool(min_interval=0 if force else None))
