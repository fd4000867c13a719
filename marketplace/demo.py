"""The demo market: accounts for each role, and a catalog loaded through the CSV import.

The products live in demo_data.csv and go through the same trusted import as an administrator's
file; the stall profiles the CSV has no columns for come from demo_stalls.csv. Photos are drawn
here with Pillow, so loading needs no network. Every step skips what already exists, so loading
twice changes nothing.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import regions
from catalog import services as catalog
from catalog.images import process_image
from catalog.models import Category, Product
from catalog.search.text import tokens
from catalog.storage import Storage, save_image
from marketplace.imports import import_catalog
from marketplace.stalls import services as stalls
from marketplace.stalls.models import StaffRole, Stall, StallStaff
from marketplace.users import services as users
from marketplace.users.models import Role, User

DEMO_PASSWORD = "chophien-demo"  # noqa: S105 -- public by design, refused on HTTPS sites
DEMO_ACCOUNTS = (
    ("admin@chophien.example", "Quản trị Chợ Phiên", Role.ADMIN),
    ("nongdan@chophien.example", "HTX Chè Tân Cương", Role.SELLER),
    ("khach@chophien.example", "Nguyễn Thị Lan", Role.SHOPPER),
)
SELLER_EMAIL = "nongdan@chophien.example"
# The demo seller owns two stalls, to show switching between them.
SELLER_STALLS = ("htx-che-tan-cuong", "htx-buoi-doan-hung")
PRODUCTS_CSV = Path(__file__).with_name("demo_data.csv")
STALLS_CSV = Path(__file__).with_name("demo_stalls.csv")

PHOTO_SIZE = 600
# Background and shape colours per top-level category group (soft, so initials stay readable).
PALETTE = {
    "thuc-pham": ("#f4e6c8", "#c8872e"),
    "do-uong": ("#dcebd5", "#4f7d3a"),
    "thao-duoc": ("#e4ecdf", "#6d8b4e"),
    "vai-may-mac": ("#eadcf0", "#7d4f8f"),
    "luu-niem-noi-that": ("#dde6f2", "#3f6597"),
    "du-lich-nong-thon": ("#f2e0d6", "#a45b3a"),
}
DEFAULT_COLOURS = ("#ece8e1", "#7a6a55")
# Fruit and honey look round; tea and coffee get a leaf; the rest a rounded box.
ROUND = {"trai-cay", "mat-ong", "gao-ngu-coc", "hat-dac-san-kho"}
LEAF = {"che-tra", "ca-phe-ca-cao", "tinh-dau", "sam-duoc-lieu"}


def is_empty(session: Session) -> bool:
    """Return whether the market has no accounts yet."""
    return session.scalar(select(User.id).limit(1)) is None


def load(session: Session, storage: Storage) -> list[str]:
    """Create whatever demo data is missing; return what was created."""
    created = []
    for email, name, role in DEMO_ACCOUNTS:
        if users.find_user(session, email) is None:
            users.create_user(session, email, DEMO_PASSWORD, name, role=role)
            created.append(email)
    admin = users.find_user(session, DEMO_ACCOUNTS[0][0])
    assert admin is not None  # created just above when missing
    summary = import_catalog(
        session, PRODUCTS_CSV.read_bytes(), actor=admin, trusted=True, max_rows=None
    )
    if summary.products_created or summary.stalls_created:
        created.append(str(summary))
    new_stalls = set(summary.stalls_created)
    logos = 0
    for profile in _profiles():
        stall = stalls.stall_by_slug(session, profile["slug"])
        if stall is None:
            continue
        if stall.slug in new_stalls:
            _set_profile(session, stall, admin, profile)
        if stall.logo_key is None:
            key = _store(storage, "logos", _picture(profile["name"], "", "luu-niem-noi-that"))[0]
            stalls.set_image(session, stall, admin, "logo", key)
            logos += 1
    if logos:
        created.append(f"{logos} stall logos")
    _give_stalls(session, users.find_user(session, SELLER_EMAIL))
    photos = _add_photos(session, storage, [p["slug"] for p in _profiles()])
    if photos:
        created.append(f"{photos} product photos")
    session.flush()
    return created


def summary(created: list[str]) -> str:
    """Describe the demo logins for the console."""
    lines = [f"Demo logins (password: {DEMO_PASSWORD}):"]
    lines += [f"  {role.value:8} {email}" for email, _name, role in DEMO_ACCOUNTS]
    lines += [f"  + {item}" for item in created if "@" not in item]
    if not created:
        lines.append("(demo data already present; nothing added)")
    return "\n".join(lines)


def _profiles() -> list[dict[str, str]]:
    """Return the demo stalls' profiles (the columns a catalog CSV does not have)."""
    with STALLS_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _set_profile(session: Session, stall: Stall, admin: User, profile: dict[str, str]) -> None:
    """Give a stall the import created its real name, kind, phone, ward and story."""
    ward = regions.match_ward(stall.province_code, profile["ward"])
    stalls.update_profile(
        session,
        stall,
        admin,
        name=profile["name"],
        kind=profile["kind"],
        province_code=stall.province_code,
        ward_code=ward.code if ward else None,
        phone=profile["phone"],
        description=profile["description"],
    )


def _give_stalls(session: Session, seller: User | None) -> None:
    """Make the demo seller the owner of the demo seller's stalls."""
    if seller is None:
        return
    for slug in SELLER_STALLS:
        stall = stalls.stall_by_slug(session, slug)
        if stall is not None and stalls.role_in(session, seller, stall) is None:
            session.add(StallStaff(stall_id=stall.id, user_id=seller.id, role=StaffRole.OWNER))
    session.flush()


def _add_photos(session: Session, storage: Storage, slugs: list[str]) -> int:
    """Draw and attach a photo to every demo product that has none; return how many."""
    groups = {
        c.id: (c.parent.slug if c.parent else c.slug, c.slug)
        for c in session.scalars(select(Category))
    }
    bare = session.scalars(
        select(Product)
        .join(Stall, Stall.id == Product.stall_id)
        .where(Stall.slug.in_(slugs), ~Product.images.any())
        .order_by(Product.id)
    ).all()
    for product in bare:
        group, slug = groups[product.category_id]
        key, width, height = _store(storage, "products", _picture(product.name, slug, group))
        catalog.add_image(session, product, key, width, height)
    return len(bare)


def _store(storage: Storage, prefix: str, png: bytes) -> tuple[str, int, int]:
    """Process a drawn picture like an upload and store its variants."""
    image = process_image(png)
    return save_image(storage, prefix, image), image.width, image.height


def _picture(name: str, category: str, group: str) -> bytes:
    """Draw a soft square picture: a shape in the category's colour and the name's initials."""
    background, colour = PALETTE.get(group, DEFAULT_COLOURS)
    size = PHOTO_SIZE
    image = Image.new("RGB", (size, size), background)
    draw = ImageDraw.Draw(image)
    box = (size * 0.18, size * 0.18, size * 0.82, size * 0.82)
    if category in ROUND:
        draw.ellipse(box, fill=colour)
    elif category in LEAF:
        draw.polygon(_leaf(size), fill=colour)
    else:
        draw.rounded_rectangle(box, radius=size // 10, fill=colour)
    words = tokens(name)
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    font = ImageFont.load_default(size=size // 4)
    draw.text((size / 2, size / 2), initials, fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _leaf(size: int) -> list[tuple[float, float]]:
    """Return the outline of a leaf lying at an angle across the middle of the picture."""
    length, angle = size * 0.8, math.radians(-30)
    steps = [i / 24 for i in range(25)]
    half = [(t - 0.5, 0.22 * math.sin(math.pi * t)) for t in steps]
    outline = half + [(x, -y) for x, y in reversed(half)]
    cos, sin = math.cos(angle), math.sin(angle)
    return [
        (size / 2 + length * (x * cos - y * sin), size / 2 + length * (x * sin + y * cos))
        for x, y in outline
    ]
