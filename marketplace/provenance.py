"""What a trace link points at, and the provenance record shown for it (Flask-free).

Labels stay in shoppers' hands after a product is hidden or a stall suspended, so their links
keep working then; drafts and stalls that were never approved stay private (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session, lazyload

from catalog import regions
from catalog.models import Certificate, Product, ProductStatus
from catalog.services import Badges, badges_for
from marketplace.catalog_display import province_short
from marketplace.catalog_queries import product_certificates
from marketplace.stalls.models import Stall, StallStatus
from marketplace.trace_links import lot_url
from traceability.chain import ChainReport, verify_chain
from traceability.models import Farm, Lot, LotLink, LotStatus, ProductLink, TraceUnit
from traceability.services import lot_events
from traceability.timeline import TimelineEntry, timeline

VISIBLE_STALLS = (StallStatus.APPROVED, StallStatus.SUSPENDED)


@dataclass(frozen=True)
class Target:
    """The item a link names: a product, or one of its lots, or a unit of that lot."""

    product: Product
    stall: Stall
    lot: Lot | None = None
    unit: TraceUnit | None = None

    @property
    def on_sale(self) -> bool:
        """Return whether shoppers can buy the product now."""
        return self.product.status == ProductStatus.ACTIVE and self.stall.status == (
            StallStatus.APPROVED
        )


@dataclass(frozen=True)
class PublicFarm:
    """A farm as the public may see it: personal data only where the farmer consented."""

    id: int
    name: str
    kind: str
    province: str | None
    ward: str | None
    standard: str
    area_m2: int | None
    representative: str | None
    phone: str | None
    latitude: float | None
    longitude: float | None

    def as_json(self) -> dict[str, Any]:
        """Return the farm as JSON, leaving out what is not shared."""
        data = {k: v for k, v in self.__dict__.items() if k != "id"}
        return {k: v for k, v in data.items() if v not in (None, "")}


def public_farm(farm: Farm) -> PublicFarm:
    """Return what the public may know of a farm (Decree 13/2023: consent first)."""
    ward = regions.ward(farm.ward_code) if farm.ward_code else None
    contact, located = farm.share_contact, farm.share_location
    return PublicFarm(
        id=farm.id,
        name=farm.name,
        kind=farm.kind.value,
        province=province_short(farm.province_code),
        ward=ward.name if ward else None,
        standard=farm.standard,
        area_m2=farm.area_m2,
        representative=farm.representative if contact else None,
        phone=farm.phone if contact else None,
        latitude=farm.latitude if located else None,
        longitude=farm.longitude if located else None,
    )


@dataclass(frozen=True)
class Provenance:
    """Everything the provenance page and its JSON show about a target."""

    target: Target
    entries: list[TimelineEntry]
    chain: ChainReport
    badges: Badges
    certificates: list[Certificate]
    farms: list[PublicFarm]
    event_farms: dict[int, PublicFarm]
    input_lots: dict[int, tuple[str, str, str]]  # lot id: (code, product name, link)
    expired: bool
    recalled: bool


def _visible(query: Any) -> Any:
    return query.where(
        Product.status != ProductStatus.DRAFT, Stall.status.in_(VISIBLE_STALLS)
    ).options(lazyload(Stall.staff))


def _lot_target(session: Session, where: Any, serial: str | None) -> Target | None:
    row = session.execute(
        _visible(
            select(Lot, Product, Stall)
            .join(Product, Product.id == Lot.product_id)
            .join(Stall, Stall.id == Product.stall_id)
            .where(*where)
        )
        .order_by(Lot.id)
        .limit(1)
    ).first()
    if row is None:
        return None
    lot, product, stall = row
    unit = None
    if serial is not None:
        unit = session.scalar(
            select(TraceUnit).where(TraceUnit.lot_id == lot.id, TraceUnit.serial == serial)
        )
        if unit is None:
            return None
    return Target(product, stall, lot, unit)


def _product_target(session: Session, where: Any) -> Target | None:
    # Two stalls may list one GTIN: prefer the one on sale, then the oldest.
    row = session.execute(
        _visible(select(Product, Stall).join(Stall, Stall.id == Product.stall_id).where(*where))
        .order_by(case((Product.status == ProductStatus.ACTIVE, 0), else_=1), Product.id)
        .limit(1)
    ).first()
    return Target(row[0], row[1]) if row else None


def find_by_gtin(
    session: Session, gtin: str, lot_code: str | None = None, serial: str | None = None
) -> Target | None:
    """Return the visible product, lot or unit a Digital Link names (None: unknown)."""
    if lot_code is None:
        return None if serial is not None else _product_target(session, [Product.gtin == gtin])
    return _lot_target(session, [Product.gtin == gtin, Lot.code == lot_code], serial)


def find_by_token(session: Session, token: str, serial: str | None = None) -> Target | None:
    """Return the visible lot (or unit) or product an opaque /t/ token names."""
    lot_id = session.scalar(select(LotLink.lot_id).where(LotLink.token == token))
    if lot_id is not None:
        return _lot_target(session, [Lot.id == lot_id], serial)
    product_id = session.scalar(select(ProductLink.product_id).where(ProductLink.token == token))
    if product_id is None or serial is not None:
        return None
    return _product_target(session, [Product.id == product_id])


def _input_lots(
    session: Session, entries: list[TimelineEntry], base_url: str
) -> dict[int, tuple[str, str, str]]:
    ids = {i["lot_id"] for e in entries for i in e.details.get("inputs", []) if "lot_id" in i}
    if not ids:
        return {}
    rows = session.execute(
        select(Lot.id, Lot.code, Product.name, Product.gtin, LotLink.token)
        .join(Product, Product.id == Lot.product_id)
        .outerjoin(LotLink, LotLink.lot_id == Lot.id)
        .where(Lot.id.in_(ids))
    ).all()
    found = {}
    for lot_id, code, name, gtin, token in rows:
        link = lot_url(base_url, code, gtin=gtin, token=token) if gtin or token else ""
        found[lot_id] = (code, name, link)
    return found


def load(session: Session, target: Target, base_url: str, day: date) -> Provenance:
    """Read and check a target's provenance: events, chain, certificates and farms."""
    product, lot = target.product, target.lot
    badges = badges_for(session, [product], day)[product.id]
    certificates = [c for c in product_certificates(session, product) if c.shows_badge(day)]
    if lot is None:
        events, chain = [], ChainReport(True, None, 0)
        farm = session.get(Farm, product.farm_id) if product.farm_id else None
        farms = [farm] if farm else []
    else:
        events = lot_events(session, lot.id)
        chain = verify_chain(events, lot.chain_length, lot.chain_head)
        farms = list(lot.farms)
    entries = timeline(events)
    known = {farm.id for farm in farms}
    wanted = {e.event.farm_id for e in entries if e.event.farm_id} - known
    extra = list(session.scalars(select(Farm).where(Farm.id.in_(wanted)))) if wanted else []
    shown = {farm.id: public_farm(farm) for farm in [*farms, *extra]}
    return Provenance(
        target=target,
        entries=entries,
        chain=chain,
        badges=badges,
        certificates=certificates,
        farms=[shown[farm.id] for farm in farms],
        event_farms=shown,
        input_lots=_input_lots(session, entries, base_url),
        expired=lot is not None
        and (
            lot.status == LotStatus.EXPIRED
            or (lot.expiry_date is not None and lot.expiry_date < day)
        ),
        recalled=lot is not None and lot.status == LotStatus.RECALLED,
    )


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def record(p: Provenance, links: dict[str, str | None], scans: int | None) -> dict[str, Any]:
    """Return the provenance record as JSON (what Accept: application/json receives)."""
    product, lot, stall = p.target.product, p.target.lot, p.target.stall
    data: dict[str, Any] = {
        "id": links["self"],
        "product": {
            "name": product.name,
            "sku": product.sku,
            "gtin": product.gtin,
            "url": links.get("product"),
            "ocop_stars": p.badges.ocop_stars,
            "certificates": [
                {
                    "kind": c.kind.value,
                    "stars": c.stars,
                    "number": c.number,
                    "issuer": c.issuer,
                    "valid_until": _iso(c.valid_until),
                }
                for c in p.certificates
            ],
        },
        "stall": {
            "name": stall.name,
            "slug": stall.slug,
            "province": province_short(stall.province_code),
            "suspended": stall.status == StallStatus.SUSPENDED,
        },
        "farms": [farm.as_json() for farm in p.farms],
        "chain": {"intact": p.chain.ok, "events": p.chain.count},
    }
    if lot is not None:
        data["lot"] = {
            "code": lot.code,
            "quantity": lot.quantity,
            "unit": lot.unit,
            "harvest_date": _iso(lot.harvest_date),
            "production_date": _iso(lot.production_date),
            "packing_date": _iso(lot.packing_date),
            "expiry_date": _iso(lot.expiry_date),
            "status": "expired" if p.expired and not p.recalled else lot.status.value,
            "recall_reason": lot.recall_reason if p.recalled else None,
            "scans": scans,
        }
        data["events"] = [
            {
                "kind": e.kind,
                "time": e.event_time.isoformat(),
                "farm": p.event_farms[e.event.farm_id].name if e.event.farm_id else None,
                "details": e.details,
                "corrected": e.corrected,
                "did_not_occur": e.did_not_occur,
                "is_correction": e.correction_of is not None,
            }
            for e in p.entries
        ]
    return data
