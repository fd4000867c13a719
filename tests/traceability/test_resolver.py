"""The GS1 Digital Link resolver: vectors, link types, linksets, opaque links, EPCIS."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from jsonschema import Draft7Validator

from tests.traceability.vectors import load_json, load_or_empty
from tests.traceability.web_world import EN, GTIN14, tea_world
from traceability import services as trace
from traceability.gs1 import InvalidDigitalLink, build_digital_link, parse_digital_link
from traceability.models import LotLink, ProductLink

VECTORS = load_or_empty("gs1_digital_link.json")
CASES = VECTORS["cases"] if VECTORS else []
_AUTHORITY = re.compile(r"^(?P<scheme>[A-Za-z]+)://(?P<host>[^/?#]*)(?P<rest>.*)$", re.S)
RESOLVED = {200, 303}


@pytest.fixture
def world(db_session):
    return tea_world(db_session)


def request_target(uri: str) -> str | None:
    """Return what a client would send for a URI: path and query, never the fragment."""
    match = _AUTHORITY.match(uri)
    assert match, uri
    rest = match["rest"].split("#", 1)[0]
    return rest or "/"


def host_is_fine(uri: str) -> bool:
    """Tell whether the scheme and host are acceptable, which only the parser can judge."""
    try:
        parse_digital_link(uri, lenient=True)
        return True
    except InvalidDigitalLink as exc:
        return exc.code not in ("not_digital_link", "bad_host", "no_key")


def vector_problem(client, case: dict) -> str | None:
    """Send one vector's request; return what went wrong, if anything."""
    uri = case["uri"]
    target = request_target(uri)
    if not target.startswith("/01/"):
        # A custom stem (or no key at all) never reaches a resolver that lives at the root.
        status = client.get(target).status_code
        return None if status == 404 else f"{uri}: {status}, expected 404"
    if not host_is_fine(uri):
        return None  # the scheme or host is wrong; no request carries them (parser tests)
    response = client.get(target)
    status = response.status_code
    lenient = case.get("lenient")
    if case["valid"]:
        ok = status in RESOLVED | {404}
    elif lenient and lenient["valid"]:
        location = response.headers.get("Location", "")
        ok = status == 301 and re.match(r"/01/\d{14}(/|\?|$)", location) is not None
        ok = ok and client.get(location).status_code in RESOLVED | {404}
    else:
        ok = status == 400
    return None if ok else f"{uri}: {status}"


@pytest.mark.skipif(not CASES, reason="shared/vectors not found")
def test_every_vector_through_the_resolver(client, world):
    """Valid links resolve (or are unknown: 404); invalid ones are 400; GTIN-8/12/13 → 301."""
    assert len(CASES) >= 130
    problems = [vector_problem(client, case) for case in CASES]
    assert [p for p in problems if p] == []


def test_the_vectors_reach_our_items(client, world):
    """The vector test is not vacuous: real items behind vector-shaped links resolve."""
    lot = world["lot_path"]
    assert client.get(lot + "?17=261231&99=ABC&linkType=test#x").status_code == 200
    assert client.get(f"/01/{GTIN14}?3103=000195").status_code == 200
    assert client.get(lot + "?17=251301").status_code == 400  # month 13


def test_a_known_lot_resolves_and_an_unknown_one_is_404(client, world):
    assert client.get(world["lot_path"]).status_code == 200
    assert client.get(f"/01/{GTIN14}/10/NO-SUCH").status_code == 404
    assert client.get("/01/09520123456788/10/TC2025%2F07").status_code == 404  # other GTIN
    assert client.get(world["lot_path"] + "/21/NOSERIAL").status_code == 404
    assert client.get(f"/01/{GTIN14}/22/2A/10/TC2025%2F07").status_code == 404  # no variants
    assert client.get(f"/stem/01/{GTIN14}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"/01/{GTIN14[:-1]}1",  # check digit
        f"/01/{GTIN14}/10/",
        f"/01/{GTIN14}?10=TC2025",  # batch in the query
        f"/01/{GTIN14}/21/X/10/Y",
        "/01/",
        "/01/abc",
    ],
)
def test_malformed_links_are_400(client, world, path):
    response = client.get(path, headers=EN)
    assert response.status_code == 400
    assert b"not a valid GS1 Digital Link" in response.data


def test_zero_suppressed_gtin_redirects_permanently_to_14_digits(client, world):
    response = client.get("/01/8934567890120/10/TC2025%2F07?linkType=gs1:pip")
    assert response.status_code == 301
    assert response.headers["Location"] == f"{world['lot_path']}?linkType=gs1:pip"


def test_link_types(client, world):
    path = world["lot_path"]
    shop = "/gian-hang/htx-che-tan-cuong/san-pham/TC-500"
    pip = client.get(path + "?linkType=gs1:pip")
    assert (pip.status_code, pip.headers["Location"]) == (303, shop)
    certificates = client.get(path + "?linkType=gs1:certificationInfo")
    assert certificates.status_code == 303
    assert certificates.headers["Location"] == path + "#certificates"
    recall = client.get(path + "?linkType=gs1:recallStatus")
    assert recall.headers["Location"] == path + "#status"
    page = client.get(path + "?linkType=gs1:traceability", headers=EN)
    assert page.status_code == 200 and b"Journey" in page.data
    unknown = client.get(path + "?linkType=gs1:somethingElse", headers=EN)
    assert unknown.status_code == 200 and b"Journey" in unknown.data  # falls back to default


def test_linkset_by_link_type_or_accept(client, world):
    path = world["lot_path"]
    anchor = "http://market.test" + path
    by_query = client.get(path + "?linkType=all")
    by_accept = client.get(path, headers={"Accept": "application/linkset+json"})
    for response in (by_query, by_accept):
        assert response.status_code == 200
        assert response.mimetype == "application/linkset+json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = by_query.get_json(force=True)
    assert data == by_accept.get_json(force=True)
    (item,) = data["linkset"]
    assert item["anchor"] == anchor
    voc = "https://gs1.org/voc/"
    pip = item[voc + "pip"][0]
    assert pip["href"] == "http://market.test/gian-hang/htx-che-tan-cuong/san-pham/TC-500"
    assert pip["hreflang"] == ["vi", "en"] and pip["title"] == "Chè búp Tân Cương"
    assert item[voc + "traceability"][0]["href"] == anchor
    assert item[voc + "epcis"][0]["type"] == "application/ld+json"
    assert item[voc + "certificationInfo"][0]["href"] == anchor + "#certificates"
    # Every page also points at its linkset.
    link = client.get(path).headers["Link"]
    assert f"<{anchor}?linkType=all>" in link and 'rel="linkset"' in link


def test_json_record_on_the_lot_url(client, world):
    response = client.get(world["lot_path"], headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.is_json
    data = response.get_json()
    assert data["id"] == "http://market.test" + world["lot_path"]
    assert data["lot"]["code"] == "TC2025/07" and data["lot"]["status"] == "active"
    assert data["chain"] == {"intact": True, "events": 3}
    assert [e["kind"] for e in data["events"]] == ["harvest", "processing", "packing"]
    assert data["farms"] == [
        {
            "name": "Đồi chè Khuôn Gà",
            "kind": "member",
            "province": "Thái Nguyên",
            "ward": world["ward"].name,
        }
    ]
    kinds = [c["kind"] for c in data["product"]["certificates"]]
    assert kinds == ["ocop", "vietgap"]  # not the expired or the pending one
    assert data["lot"]["scans"] == 0  # a machine reading JSON is not a scan


def test_epcis_export_validates_against_the_gs1_schema(client, world):
    response = client.get(world["lot_path"] + "?linkType=gs1:epcis")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    document = response.get_json(force=True)
    schema = load_json("epcis", "EPCIS-JSON-Schema.json")
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    assert [e.message for e in validator.iter_errors(document)] == []
    events = document["epcisBody"]["eventList"]
    assert [e["cp:kind"] for e in events] == ["harvest", "processing", "packing"]


def test_product_link_opens_its_origin_page(client, world):
    response = client.get(f"/01/{GTIN14}", headers=EN)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Chè búp Tân Cương" in text and "Đồi chè Khuôn Gà" in text
    pip = client.get(f"/01/{GTIN14}?linkType=gs1:pip")
    assert pip.headers["Location"] == "/gian-hang/htx-che-tan-cuong/san-pham/TC-500"


def test_opaque_links_behave_like_digital_links(client, world, db_session):
    from sqlalchemy import select

    honey_lot = db_session.scalar(select(LotLink).where(LotLink.lot_id == world["leaves"].id))
    path = f"/t/{honey_lot.token}"
    page = client.get(path, headers=EN)
    assert page.status_code == 200 and "LA-01" in page.get_data(as_text=True)
    assert client.get(path + "?linkType=gs1:epcis").mimetype == "application/ld+json"
    linkset = client.get(path, headers={"Accept": "application/linkset+json"}).get_json(force=True)
    assert linkset["linkset"][0]["anchor"] == "http://market.test" + path
    assert client.get(path, headers={"Accept": "application/json"}).get_json()["lot"]
    unit = trace.issue_units(db_session, db_session.merge(world["leaves"]), 1)[0]
    db_session.commit()
    unit_page = client.get(f"{path}/21/{unit.serial}", headers=EN)
    assert unit_page.status_code == 200
    assert "This is the first scan of this code." in unit_page.get_data(as_text=True)
    assert client.get(f"{path}/21/NOSUCHSERIAL").status_code == 404
    db_session.add(ProductLink(product_id=world["honey"].id, token="P" * 22))
    db_session.commit()
    assert client.get("/t/" + "P" * 22, headers=EN).status_code == 200
    for unknown in ("/t/" + "x" * 22, "/t/short", "/t/" + quote("a b/c", safe="")):
        assert client.get(unknown).status_code == 404


def test_drafts_and_unapproved_stalls_stay_private(client, db_session):
    from tests.factories import make_lot, make_product, make_stall

    pending = make_stall(db_session, status="pending")
    product = make_product(db_session, pending, gtin="8934567890137")
    make_lot(db_session, product, code="P1")
    stall = make_stall(db_session)
    draft = make_product(db_session, stall, gtin="8934567890144", status="draft")
    make_lot(db_session, draft, code="D1")
    db_session.commit()
    gtin_pending = build_digital_link("", "8934567890137", lot="P1").removeprefix(
        "https://id.gs1.org"
    )
    assert client.get(gtin_pending).status_code == 404
    assert client.get("/01/08934567890144/10/D1").status_code == 404


def test_resolver_description(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    data = response.get_json()
    assert data["name"] == "Chợ Phiên"
    assert data["resolverRoot"] == "http://market.test"
    assert data["supportedPrimaryKeys"] == ["gtin"]
    assert data["supportedLinkType"][0]["prefix"] == "gs1:"
    assert {"gs1:pip", "gs1:traceability", "gs1:certificationInfo", "gs1:epcis"} <= set(
        data["linkTypes"]
    )
