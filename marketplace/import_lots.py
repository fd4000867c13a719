"""The lots a catalog file's rows name: created or updated in bulk, linked to their farms."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from catalog.csv_import import Row
from catalog.models import Product
from marketplace.import_bulk import chunks
from traceability.models import Lot, lot_farms

# Each checked row with its product's (stall id, SKU) and its farm's id.
Plan = list[tuple[Row, tuple[int, str], int | None]]


def write_lots(
    session: Session,
    plan: Plan,
    ids: dict[tuple[int, str], int],
    stall_ids: list[int],
    per_stall: dict[int, Counter[str]],
) -> None:
    """Create or update each row's lot of its product, linked to the row's farm."""
    of_stalls = select(Product.id).where(Product.stall_id.in_(stall_ids))
    lots = {
        (product_id, code): (lot_id, harvest)
        for lot_id, product_id, code, harvest in session.execute(
            select(Lot.id, Lot.product_id, Lot.code, Lot.harvest_date).where(
                Lot.product_id.in_(of_stalls)
            )
        )
    }
    links = set(
        session.execute(
            select(lot_farms.c.lot_id, lot_farms.c.farm_id).where(
                lot_farms.c.lot_id.in_(select(Lot.id).where(Lot.product_id.in_(of_stalls)))
            )
        ).tuples()
    )
    new: list[dict[str, Any]] = []
    new_farms: dict[tuple[int, str], int] = {}
    changed: list[dict[str, Any]] = []
    new_links: list[dict[str, int]] = []
    for row, key, farm_id in plan:
        if not row.lot:
            continue
        product_id = ids[key]
        counts = per_stall[key[0]]
        found = lots.get((product_id, row.lot))
        if found is None:
            harvest = row.harvest_date
            new.append({"product_id": product_id, "code": row.lot, "harvest_date": harvest})
            if farm_id is not None:
                new_farms[(product_id, row.lot)] = farm_id
            counts["lots"] += 1
            continue
        lot_id, harvest = found
        if row.harvest_date and harvest != row.harvest_date:
            changed.append({"id": lot_id, "harvest_date": row.harvest_date})
            counts["lots_updated"] += 1
        if farm_id is not None and (lot_id, farm_id) not in links:
            links.add((lot_id, farm_id))
            new_links.append({"lot_id": lot_id, "farm_id": farm_id})
            counts["lots_updated"] += 1
    table = Lot.__table__
    returning = insert(table).returning(table.c.id, table.c.product_id, table.c.code)
    for chunk in chunks(new):
        for lot_id, product_id, code in session.execute(returning, chunk):
            if (product_id, code) in new_farms:
                new_links.append({"lot_id": lot_id, "farm_id": new_farms[(product_id, code)]})
    for chunk in chunks(changed):
        session.execute(update(Lot), chunk)
    for chunk in chunks(new_links):
        session.execute(insert(lot_farms), chunk)
