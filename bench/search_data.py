"""A synthetic but realistic Vietnamese OCOP catalog, as the CSV the importer reads.

Names combine real product nouns, qualities and places ("Mật ong hoa nhãn nguyên chất Hưng
Yên"); descriptions add process, taste and usage words, so queries with accents, without
accents, with typos, half-typed, or matching only descriptions behave as on a real market.
Everything is drawn from a seeded generator: the same size gives the same file.
"""

from __future__ import annotations

import csv
import io
import random

from catalog import regions

# category slug -> (product nouns, units, price range in thousand đồng)
KINDS: dict[str, tuple[list[str], list[str], tuple[int, int]]] = {
    "mat-ong": (
        ["Mật ong rừng", "Mật ong hoa nhãn", "Mật ong hoa vải", "Mật ong bạc hà", "Phấn hoa"],
        ["chai 500ml", "chai 1 lít", "hũ 300g"],
        (120, 900),
    ),
    "che-tra": (
        ["Chè búp", "Chè móc câu", "Trà shan tuyết", "Trà ô long", "Chè đinh", "Trà sen"],
        ["hộp 200g", "túi 500g", "hộp 100g"],
        (80, 1200),
    ),
    "ca-phe-ca-cao": (
        ["Cà phê rang xay", "Cà phê hạt", "Cà phê chồn", "Ca cao nguyên chất", "Cà phê phin"],
        ["gói 500g", "túi 1kg", "hộp 250g"],
        (90, 1500),
    ),
    "trai-cay": (
        ["Bưởi", "Vải thiều", "Nhãn lồng", "Cam sành", "Xoài cát", "Thanh long", "Sầu riêng"],
        ["kg", "thùng 5kg", "quả"],
        (30, 400),
    ),
    "gao-ngu-coc": (
        ["Gạo ST25", "Gạo nếp cái hoa vàng", "Gạo lứt", "Gạo tám thơm", "Ngô nếp"],
        ["túi 5kg", "túi 2kg", "kg"],
        (25, 300),
    ),
    "gia-vi-nuoc-mam": (
        ["Nước mắm", "Tương ớt", "Muối tôm", "Hạt tiêu", "Mắm tép", "Sa tế"],
        ["chai 500ml", "hũ 200g", "chai 1 lít"],
        (30, 400),
    ),
    "banh-keo-mut": (
        ["Bánh đậu xanh", "Kẹo dừa", "Mứt gừng", "Bánh cốm", "Kẹo lạc", "Bánh pía"],
        ["hộp 400g", "hộp 250g", "gói 500g"],
        (25, 250),
    ),
    "hat-dac-san-kho": (
        ["Hạt điều rang muối", "Hạt mắc ca", "Măng khô", "Mộc nhĩ", "Nấm hương rừng"],
        ["túi 500g", "hộp 300g", "kg"],
        (60, 800),
    ),
    "thit-ca-che-bien": (
        ["Chả mực", "Lạp xưởng", "Thịt trâu gác bếp", "Cá khô", "Chà bông cá hồi", "Nem chua"],
        ["hộp 500g", "túi 300g", "kg"],
        (80, 1200),
    ),
    "ruou": (
        ["Rượu nếp cái", "Rượu ngô men lá", "Rượu sim", "Rượu mơ", "Rượu táo mèo"],
        ["chai 500ml", "bình 2 lít", "chai 750ml"],
        (90, 900),
    ),
    "sam-duoc-lieu": (
        ["Sâm Ngọc Linh", "Đông trùng hạ thảo", "Cao actiso", "Trà giảo cổ lam", "Nghệ đen"],
        ["hộp 100g", "lọ 50g", "hộp 20 gói"],
        (150, 5000),
    ),
    "tinh-dau": (
        ["Tinh dầu sả chanh", "Tinh dầu quế", "Tinh dầu tràm", "Tinh dầu bưởi", "Tinh dầu hồi"],
        ["lọ 10ml", "chai 100ml", "lọ 50ml"],
        (40, 500),
    ),
    "lua-tho-cam": (
        ["Khăn lụa", "Túi thổ cẩm", "Vải lanh", "Áo dài lụa", "Khăn choàng thổ cẩm"],
        ["chiếc", "mét", "bộ"],
        (150, 3000),
    ),
    "gom-su": (
        ["Bộ ấm chén", "Bình hoa gốm", "Đĩa gốm men lam", "Lọ gốm men rạn", "Bát gốm"],
        ["bộ", "chiếc", "đôi"],
        (80, 2500),
    ),
    "may-tre-dan": (
        ["Giỏ mây", "Làn tre", "Đèn tre", "Khay mây", "Ghế mây"],
        ["chiếc", "bộ"],
        (60, 1500),
    ),
}
QUALITIES = [
    "nguyên chất",
    "đặc biệt",
    "hữu cơ",
    "thượng hạng",
    "loại một",
    "truyền thống",
    "thủ công",
    "sạch",
    "tự nhiên",
    "cao cấp",
    "đặc sản",
    "xuất khẩu",
    "non",
    "già",
]
PLACES = [
    "Tân Cương",
    "Đoan Hùng",
    "Phú Quốc",
    "Buôn Ma Thuột",
    "Mộc Châu",
    "Bắc Hà",
    "Hưng Yên",
    "Lục Ngạn",
    "Cao Phong",
    "Hà Giang",
    "Đà Lạt",
    "Bến Tre",
    "Cà Mau",
    "Sóc Trăng",
    "Ninh Thuận",
    "Vĩnh Long",
    "Hải Dương",
    "Thái Nguyên",
    "Tuyên Quang",
    "Đồng Tháp",
    "Bát Tràng",
    "Vạn Phúc",
    "Ngọc Linh",
    "Yên Bái",
    "Lạng Sơn",
    "Cao Bằng",
    "Hội An",
    "Huế",
    "Nghệ An",
    "Thanh Hóa",
    "Nam Định",
    "Bắc Giang",
    "Lâm Đồng",
    "Gia Lai",
    "Đắk Lắk",
    "Tây Ninh",
    "An Giang",
    "Kiên Giang",
    "Quảng Ngãi",
    "Phú Yên",
    "Sa Pa",
    "Điện Biên",
    "Lai Châu",
    "Sơn La",
    "Hòa Bình",
    "Quảng Trị",
    "Bình Định",
    "Vân Đồn",
]
PROCESS = [
    "thu hoạch vào sáng sớm",
    "phơi khô tự nhiên dưới nắng",
    "sao tay trên chảo gang",
    "ủ men lá theo công thức gia truyền",
    "lên men chậm trong chum sành",
    "sấy lạnh giữ màu",
    "chọn lọc từng hạt",
    "đóng gói hút chân không",
    "không chất bảo quản",
    "trồng trên đồi cao",
    "nuôi thả tự nhiên",
    "chưng cất bằng nồi đồng",
    "dệt tay trên khung cửi",
    "nung củi",
    "kiểm định an toàn thực phẩm",
    "canh tác theo hướng hữu cơ",
]
TASTES = [
    "vị ngọt thanh",
    "hậu ngọt sâu",
    "hương thơm dịu",
    "màu vàng óng",
    "chát nhẹ",
    "béo ngậy",
    "giòn tan",
    "cay nồng",
    "mềm dẻo",
    "thơm nồng nàn",
    "đậm đà",
    "mát lạnh",
]
USES = [
    "thích hợp làm quà biếu",
    "dùng hằng ngày trong gia đình",
    "bảo quản nơi khô ráo",
    "pha với nước ấm",
    "ăn kèm cơm nóng",
    "trưng bày phòng khách",
    "dùng trong dịp Tết",
    "giao hàng toàn quốc",
    "đặt theo mùa vụ",
    "tốt cho sức khỏe",
]
FARMS = [
    "Vườn nhà ông Tư",
    "Tổ hợp tác xóm Bến",
    "Đồi chè Khuôn Gà",
    "Trang trại Suối Mơ",
    "Hộ bà Lan",
    "Nông trại Đồi Thông",
    "Tổ ong bản Pả",
    "Vườn bưởi ông Hai",
]
HEADER = [
    "stall", "sku", "name", "category", "price_vnd", "unit", "stock", "ocop_stars",
    "province", "description", "certifications", "gtin", "lot", "farm", "harvest_date",
]  # fmt: skip
PRODUCTS_PER_STALL = 50


def catalog_csv(size: int, seed: int = 2025) -> bytes:
    """Return a catalog CSV of `size` products over size / 50 stalls."""
    rng = random.Random(seed)
    provinces = [p.short_name for p in regions.provinces()]
    stalls = []
    for n in range(max(1, size // PRODUCTS_PER_STALL)):
        place = rng.choice(PLACES)
        prefix = rng.choice(["htx", "ho", "cs", "tht"])
        stalls.append((f"{prefix}-{_slug(place)}-{n}", rng.choice(provinces)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    categories = list(KINDS)
    for i in range(size):
        slug, province = stalls[i % len(stalls)]
        category = rng.choice(categories)
        nouns, units, (low, high) = KINDS[category]
        place = rng.choice(PLACES)
        name = " ".join(
            part
            for part in (
                rng.choice(nouns),
                rng.choice(QUALITIES) if rng.random() < 0.6 else "",
                place if rng.random() < 0.7 else "",
            )
            if part
        )
        description = (
            f"{rng.choice(nouns)} {rng.choice(QUALITIES)} của {place}, {rng.choice(PROCESS)}, "
            f"{rng.choice(TASTES)}. {rng.choice(USES).capitalize()}; {rng.choice(PROCESS)}."
        )
        stars = rng.choice(["", "", "", "3", "4", "5"])
        certs = rng.choice(["", "", "VietGAP", "hữu cơ", "VietGAP;hữu cơ", "GlobalGAP"])
        writer.writerow(
            [
                slug,
                f"SP-{i}",
                name[:200],
                category,
                rng.randint(low, high) * 1000,
                rng.choice(units),
                rng.choice([0, 5, 12, 30, 80, 150]),
                stars,
                province,
                description,
                certs,
                "",
                "",
                rng.choice(FARMS) if rng.random() < 0.2 else "",
                "",
            ]
        )
    return out.getvalue().encode("utf-8")


def _slug(text: str) -> str:
    """Return an ASCII slug of a place name."""
    from catalog.search.text import slugify

    return slugify(text)
