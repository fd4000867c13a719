"""flask --app wsgi trace verify|labels: check every hash chain, print label sheets."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from catalog.models import Product
from catalog.services import badges_for
from marketplace import trace_links
from marketplace.catalog_queries import today
from marketplace.extensions import get_database
from marketplace.stalls.models import Stall
from marketplace.stalls.services import stall_by_slug
from traceability import services as trace
from traceability.labels import SIZES, render_labels
from traceability.models import Lot

trace_cli = AppGroup("trace", help="Traceability: check hash chains, print QR label sheets.")
CAPTIONS = {"vi": "Lô", "en": "Lot"}


@trace_cli.command("verify")
def verify() -> None:
    """Check every lot's hash chain; exit 1 naming each broken lot."""
    with get_database().new_session() as session:
        reports = trace.verify_all(session)
        broken = {lot_id: report for lot_id, report in reports if not report.ok}
        names = {}
        if broken:
            rows = session.execute(
                select(Lot.id, Lot.code, Product.sku, Stall.slug)
                .join(Product, Product.id == Lot.product_id)
                .join(Stall, Stall.id == Product.stall_id)
                .where(Lot.id.in_(broken))
            ).all()
            names = {lot_id: (code, sku, slug) for lot_id, code, sku, slug in rows}
    for lot_id, report in broken.items():
        code, sku, slug = names.get(lot_id, ("?", "?", "?"))
        click.echo(
            f"BROKEN lot {code} (id {lot_id}) of {slug}/{sku}: "
            f"the chain fails at event #{report.broken_at_seq}",
            err=True,
        )
    click.echo(f"{len(reports)} lots checked, {len(broken)} broken")
    if broken:
        raise SystemExit(1)


@trace_cli.command("labels")
@click.option("--stall", "slug", required=True, help="The stall's address (slug).")
@click.option("--lot", "code", required=True, help="The lot code.")
@click.option("--product", "sku", help="The product's SKU, when several products use the code.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--size", type=click.Choice(list(SIZES)), default="medium", show_default=True)
@click.option("--units", is_flag=True, help="One label per serial code instead of lot labels.")
@click.option("--copies", type=click.IntRange(1, 100_000), help="Lot labels (default: a sheet).")
@click.option("--skip", type=click.IntRange(0, 64), default=0, help="Places used on sheet 1.")
@click.option("--lang", type=click.Choice(list(CAPTIONS)), default="vi", show_default=True)
def labels(
    slug: str,
    code: str,
    sku: str | None,
    out: str,
    size: str,
    units: bool,
    copies: int | None,
    skip: int,
    lang: str,
) -> None:
    """Write an A4 PDF of QR labels for a lot (or for each of its serial codes)."""
    with get_database().new_session() as session:
        stall = stall_by_slug(session, slug)
        if stall is None:
            raise click.ClickException(f"no stall has the address {slug!r}")
        query = (
            select(Lot, Product)
            .join(Product, Product.id == Lot.product_id)
            .where(Product.stall_id == stall.id, Lot.code == code)
        )
        if sku:
            query = query.where(Product.sku == sku)
        found = session.execute(query).all()
        if not found:
            raise click.ClickException(f"{slug} has no lot {code!r}")
        if len(found) > 1:
            raise click.ClickException(f"several products have lot {code!r}: add --product SKU")
        lot, product = found[0]
        stars = badges_for(session, [product], today())[product.id].ocop_stars
        base = current_app.config["PUBLIC_BASE_URL"]
        count = copies or SIZES[size].per_page
        sheet = trace_links.labels(session, lot, product, base, stars, copies=count, units=units)
        if not sheet:
            raise click.ClickException(f"lot {code!r} has no serial codes; issue them first")
        pdf = render_labels(sheet, size, lot_caption=CAPTIONS[lang], skip=skip)
        session.commit()  # a lot's short link may have been created for its labels
    with open(out, "wb") as f:
        f.write(pdf)
    pages = -(-(len(sheet) + skip) // SIZES[size].per_page)
    click.echo(f"{len(sheet)} labels on {pages} page(s) written to {out}")
