"""Order commands: flask --app wsgi orders expire | payouts statement --stall SLUG --month M."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace.extensions import get_database
from marketplace.formatting import format_vnd

orders_cli = AppGroup("orders", help="Order upkeep.")
payouts_cli = AppGroup("payouts", help="What the market owes each stall.")


@orders_cli.command("expire")
def orders_expire() -> None:
    """Cancel unpaid orders whose payment window passed and put their stock back."""
    from marketplace.orders import notify, payment_flow

    with get_database().new_session() as session:
        expired = payment_flow.expire(session, current_app.config)
        session.commit()
        notify.cancelled(session, expired, note="payment window expired")
        click.echo(f"{len(expired)} unpaid order(s) expired")
        for order in expired:
            click.echo(f"  {order.reference}")


@payouts_cli.command("statement")
@click.option("--stall", "slug", required=True, help="The stall's address (slug).")
@click.option("--month", required=True, help="The month, like 2026-11.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the statement to this CSV file.",
)
def payouts_statement(slug: str, month: str, csv_path: str | None) -> None:
    """Print a stall's payout statement for a month (paid orders, commission, amount owed)."""
    from marketplace.orders.payout_csv import parse_month, statement_csv
    from marketplace.orders.services import payout_statement
    from marketplace.stalls.services import stall_by_slug

    try:
        year, number = parse_month(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    with get_database().new_session() as session:
        stall = stall_by_slug(session, slug)
        if stall is None:
            raise click.ClickException(f"no stall has the address {slug!r}")
        statement = payout_statement(session, stall.id, year, number)
        click.echo(f"{stall.name} ({stall.slug}), {year}-{number:02d}")
        for order in statement.orders:
            click.echo(
                f"  {order.reference}  {format_vnd(order.total_vnd)}"
                f"  commission {format_vnd(order.commission_vnd)}"
            )
        click.echo(f"orders:     {len(statement.orders)}")
        click.echo(f"goods:      {format_vnd(statement.goods_vnd)}")
        click.echo(f"shipping:   {format_vnd(statement.shipping_vnd)}")
        click.echo(f"commission: {format_vnd(statement.commission_vnd)}")
        click.echo(f"owed:       {format_vnd(statement.owed_vnd)}")
        if csv_path:
            with open(csv_path, "wb") as f:
                f.write(statement_csv(statement, stall.name, stall.slug))
            click.echo(f"written to {csv_path}")


def register(app: Flask) -> None:
    """Attach the orders and payouts command groups to an app."""
    app.cli.add_command(orders_cli)
    app.cli.add_command(payouts_cli)
