"""OCOP's six product groups and their sub-categories, loaded idempotently."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Category
from catalog.search.text import fold

# (slug, Vietnamese name, English name, [sub-categories as (slug, vi, en)])
OCOP_GROUPS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    (
        "thuc-pham",
        "Thực phẩm",
        "Food",
        [
            ("trai-cay", "Trái cây tươi", "Fresh fruit"),
            ("rau-cu", "Rau củ", "Vegetables"),
            ("gao-ngu-coc", "Gạo và ngũ cốc", "Rice and grains"),
            ("mat-ong", "Mật ong", "Honey"),
            ("thit-ca-che-bien", "Thịt, cá chế biến", "Processed meat and fish"),
            ("gia-vi-nuoc-mam", "Gia vị, nước mắm", "Spices and fish sauce"),
            ("banh-keo-mut", "Bánh kẹo, mứt", "Sweets and preserves"),
            ("hat-dac-san-kho", "Hạt, đặc sản khô", "Nuts and dried specialities"),
        ],
    ),
    (
        "do-uong",
        "Đồ uống",
        "Drinks",
        [
            ("che-tra", "Chè, trà", "Tea"),
            ("ca-phe-ca-cao", "Cà phê, ca cao", "Coffee and cocoa"),
            ("ruou", "Rượu", "Spirits and wine"),
            ("nuoc-ep", "Nước ép, đồ uống khác", "Juices and other drinks"),
        ],
    ),
    (
        "thao-duoc",
        "Thảo dược",
        "Herbs and medicinal products",
        [
            ("sam-duoc-lieu", "Sâm, dược liệu", "Ginseng and medicinal herbs"),
            ("tinh-dau", "Tinh dầu", "Essential oils"),
            ("my-pham-thao-duoc", "Mỹ phẩm thảo dược", "Herbal cosmetics"),
        ],
    ),
    (
        "vai-may-mac",
        "Vải và may mặc",
        "Textiles and garments",
        [
            ("lua-tho-cam", "Lụa, thổ cẩm", "Silk and brocade"),
            ("quan-ao-phu-kien", "Quần áo, phụ kiện", "Clothes and accessories"),
        ],
    ),
    (
        "luu-niem-noi-that",
        "Lưu niệm, nội thất, trang trí",
        "Souvenirs, furniture and decoration",
        [
            ("may-tre-dan", "Mây tre đan", "Rattan and bamboo"),
            ("gom-su", "Gốm sứ", "Pottery"),
            ("do-go-my-nghe", "Đồ gỗ mỹ nghệ", "Woodcraft"),
        ],
    ),
    (
        "du-lich-nong-thon",
        "Dịch vụ du lịch nông thôn",
        "Rural tourism services",
        [
            ("du-lich-cong-dong", "Du lịch cộng đồng, homestay", "Community tourism, homestay"),
            ("trai-nghiem-nong-nghiep", "Trải nghiệm nông nghiệp", "Farm experiences"),
        ],
    ),
]


def ensure_categories(session: Session) -> int:
    """Create the OCOP groups and sub-categories that are missing; return how many were added."""
    existing = {c.slug: c for c in session.scalars(select(Category))}
    added = 0
    for position, (slug, name, name_en, children) in enumerate(OCOP_GROUPS):
        group = existing.get(slug)
        if group is None:
            group = Category(slug=slug, name=name, name_en=name_en, position=position)
            session.add(group)
            session.flush()
            added += 1
        for child_position, (child_slug, child_name, child_en) in enumerate(children):
            if child_slug not in existing:
                session.add(
                    Category(
                        slug=child_slug,
                        name=child_name,
                        name_en=child_en,
                        parent_id=group.id,
                        position=child_position,
                    )
                )
                added += 1
    session.flush()
    return added


def category_lookup(session: Session) -> dict[str, Category]:
    """Map folded names and slugs of every category to it (for imports and filters)."""
    lookup: dict[str, Category] = {}
    for category in session.scalars(select(Category)):
        for key in (category.slug, category.name, category.name_en):
            if key:
                lookup[fold(key)] = category
    return lookup
