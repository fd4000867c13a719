"""How catalog data is shown: place names, unit prices and schema.org data (no queries)."""

from __future__ import annotations

import re
from typing import Any

from catalog import regions
from catalog.models import Product
from marketplace.stalls.models import Stall

# "hộp 500g", "chai 0,75 l", "túi 1kg": a pack size in grams, kilograms, millilitres or litres.
_PACK = re.compile(r"(\d+(?:[.,]\d+)?)\s*(kg|g|ml|l|lít)\b", re.IGNORECASE)
_PER = {"kg": (1000, "kg"), "g": (1, "kg"), "ml": (1, "l"), "l": (1000, "l"), "lít": (1000, "l")}


def unit_price(price_vnd: int, unit: str) -> tuple[int, str] | None:
    """Return the price per kg or litre of a pack-sized unit, so packs can be compared."""
    match = _PACK.search(unit)
    if match is None:
        return None
    amount = float(match.group(1).replace(",", "."))
    factor, per = _PER[match.group(2).lower()]
    base = amount * factor  # grams or millilitres
    if base <= 0 or (base == 1000 and amount in (1, 1000)):
        return None  # "1 kg" or "1000 g": the price already is the unit price
    return round(price_vnd * 1000 / base), per


def location(province_code: int | None, ward_code: int | None = None) -> str:
    """Return "ward, province" in full official names, or what is known of them."""
    province = regions.province(province_code) if province_code else None
    ward = regions.ward(ward_code) if ward_code else None
    return ", ".join(r.name for r in (ward, province) if r is not None)


def province_short(code: int | None) -> str | None:
    """Return a province's short name ("Phú Thọ", "Hà Nội")."""
    province = regions.province(code) if code else None
    return province.short_name if province else None


def product_json_ld(obj: dict[str, Any], product: Product, stall: Stall) -> dict[str, Any]:
    """Return schema.org Product data for a product page, from its API object."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": product.sku,
        "description": product.description,
        "image": obj["images"],
        "category": obj["category"],
        "brand": {"@type": "Brand", "name": stall.name},
        "offers": {
            "@type": "Offer",
            "price": product.price_vnd,
            "priceCurrency": "VND",
            "availability": "https://schema.org/InStock"
            if product.stock > 0
            else "https://schema.org/OutOfStock",
            "url": obj["url"],
            "seller": {"@type": "Organization", "name": stall.name},
        },
    }
    if product.gtin:
        data["gtin14"] = product.gtin
    return data
