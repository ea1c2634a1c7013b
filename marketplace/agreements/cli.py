"""`flask agreements check-chain [--agreement N]`: verify the service-record hash chains; exit 1 on tampering."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from marketplace.extensions import db

agreements_cli = AppGroup("agreements", help="服务协议")


@agreements_cli.command("check-chain")
@click.option("--agreement", "agreement_id", type=int, help="只核验这份协议（ID）")
def check_chain_command(agreement_id: int | None) -> None:
    """Recompute every service record's hash; list the agreements whose chain is broken."""
    from marketplace.agreements.models import Agreement
    from marketplace.agreements.records import agreements_with_records, verify_chain

    if agreement_id is not None and db.session.get(Agreement, agreement_id) is None:
        raise click.ClickException(f"协议 {agreement_id} 不存在")
    ids = [agreement_id] if agreement_id is not None else agreements_with_records()
    numbers = dict(db.session.execute(select(Agreement.id, Agreement.number).where(Agreement.id.in_(ids))).all())
    broken = 0
    for ident in ids:
        check = verify_chain(ident)
        if check.ok:
            click.echo(f"OK      {numbers[ident]}  {check.count} 条记录")
        else:
            broken += 1
            click.echo(f"BROKEN  {numbers[ident]}  {check.problem}", err=True)
    click.echo(f"核验 {len(ids)} 份协议，{broken} 份记录链异常")
    if broken:
        raise SystemExit(1)
