"""What the load test visits: product, stall and label addresses read from the loaded market.

Also gives the products shoppers put in their carts a deep stock, so a minute of checkouts
never sells them out (a sold-out redirect would be a correct answer, but not the path we
mean to measure).
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from sqlalchemy import select, update

SEARCHES = [
    {"q": "mat ong"},
    {"q": "mật ong rừng"},
    {"q": "che tan cuong"},
    {"q": "chè búp"},
    {"q": "ca phe"},
    {"q": "gao st25"},
    {"q": "nuoc mam phu quoc"},
    {"q": "banh dau xanh"},
    {"q": "buoi doan hung"},
    {"q": "tinh dau sa chanh"},
    {"q": "hat dieu"},
    {"q": "ruou"},
    {"q": "vai thieu"},
    {"q": "mat ong", "min_stars": "4"},
    {"q": "tra", "sort": "price_asc"},
    {"q": "ca phe", "category": "ca-phe-ca-cao"},
    {"category": "trai-cay"},
    {"q": "mat ong", "page": "2"},
    {"q": "mang kho"},
    {"q": "gom bat trang"},
]
SAMPLE = 3000  # product pages drawn from the whole catalog
CART_PRODUCTS = 60  # products that go into carts, over several stalls
DEEP_STOCK = 10_000_000


def write_targets(env: dict[str, str], path: Path) -> Path:
    """Collect the addresses to visit from the market's database and write them as JSON."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        targets = _collect()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    path.write_text(json.dumps(targets, ensure_ascii=False))
    print(
        f"  targets: {len(targets['products'])} products, {len(targets['stalls'])} stalls, "
        f"{len(targets['scans'])} label links, {len(targets['cart_products'])} cart products"
    )
    return path


def _collect() -> dict:
    """Read the public products, stalls and label links (app context on the env's config)."""
    from catalog import regions
    from catalog.models import Product, ProductStatus
    from marketplace.app import create_app
    from marketplace.catalog_queries import today
    from marketplace.extensions import get_database
    from marketplace.stalls.models import Stall, StallStatus
    from marketplace.trace_links import trace_urls

    app = create_app()
    base = app.config["PUBLIC_BASE_URL"]
    rng = random.Random(11)
    with app.app_context(), get_database(app).new_session() as session:
        rows = session.execute(
            select(Product, Stall.slug)
            .join(Stall, Stall.id == Product.stall_id)
            .where(Product.status == ProductStatus.ACTIVE, Stall.status == StallStatus.APPROVED)
            .order_by(Product.id)
        ).all()
        demo = [(p, slug) for p, slug in rows if not p.sku.startswith("SP-")]
        picked = demo + rng.sample(rows, min(SAMPLE, len(rows)))
        products = [f"/gian-hang/{slug}/san-pham/{p.sku}" for p, slug in picked]
        stalls = sorted({f"/gian-hang/{slug}" for _p, slug in picked})
        # Label links: every demo product (several have lots) and some generated ones.
        labelled = [p for p, _slug in demo + picked[len(demo) : len(demo) + 200]]
        scans = [
            u.removeprefix(base) for u in trace_urls(session, labelled, base, today()).values()
        ]
        cart = demo[:CART_PRODUCTS]
        session.execute(
            update(Product)
            .where(Product.id.in_([p.id for p, _slug in cart]))
            .values(stock=DEEP_STOCK)
        )
        session.commit()
    hanoi = 1
    ward = regions.wards(hanoi)[0].code
    return {
        "products": products,
        "stalls": stalls,
        "scans": sorted(set(scans)),
        "cart_products": [f"/gian-hang/{slug}/san-pham/{p.sku}" for p, slug in cart],
        "searches": SEARCHES,
        "buyer": {
            "contact_name": "Khách Thử Tải",
            "phone": "0912345678",
            "email": "tai@example.com",
            "province_code": str(hanoi),
            "ward_code": str(ward),
            "street": "Số 1 phố Thử",
        },
    }
