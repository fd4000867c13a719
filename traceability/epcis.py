"""EPCIS 2.0 JSON-LD export of a lot's trace events (an EPCISDocument)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from catalog.search.text import fold
from traceability.events import (
    KINDS,
    OBJECT,
)
from traceability.gs1 import build_digital_link
from traceability.timeline import effective_details, effective_kind, is_retraction

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PREFIX = "cp"
VIETNAM_OFFSET = "+07:00"
# Event IDs are name-based UUIDs of the chain hash. An `ni:///sha-256;…?ver=CBV2.0` ID
# would claim GS1's event-hash algorithm, which our chain hash is not.
_EVENT_ID_NAMESPACE = uuid.UUID("6f0c1d52-3e0b-5a7e-9d1c-2b3f4a5e6c70")
# UN/ECE Rec. 20 codes for the units sellers type; other units are counts of packs.
_UOM = {
    "kg": "KGM",
    "g": "GRM",
    "gam": "GRM",
    "gram": "GRM",
    "tan": "TNE",
    "t": "TNE",
    "l": "LTR",
    "lit": "LTR",
    "ml": "MLT",
}


@dataclass(frozen=True)
class Identifiers:
    """How the export names things: the base URL and each known lot's class-level URI."""

    base_url: str
    lots: Mapping[int, str]

    def farm(self, farm_id: int) -> str:
        """Return the URI of a farm (no coordinates: they may be private)."""
        return f"{self.base_url.rstrip('/')}/farm/{farm_id}"


def lot_class_uri(base_url: str, code: str, *, gtin: str | None, token: str | None) -> str:
    """Return a lot's class-level URI: its Digital Link with a GTIN, else its /t/ short link."""
    if gtin:
        return build_digital_link(base_url.rstrip("/"), gtin, lot=code)
    if not token:
        raise ValueError("A lot without a GTIN needs its short-link token")
    return f"{base_url.rstrip('/')}/t/{token}"


def namespace(base_url: str) -> str:
    """Return the JSON-LD namespace of this market's extension fields."""
    return f"{base_url.rstrip('/')}/ns/epcis/"


def event_id(event: Any) -> str:
    """Return the stable EPCIS eventID of a stored event."""
    return f"urn:uuid:{uuid.uuid5(_EVENT_ID_NAMESPACE, event.hash)}"


def _time(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _quantity(uri: str, amount: Any, unit: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": uri}
    uom = _UOM.get(fold(unit or "").replace(" ", ""))
    if isinstance(amount, int | float) and (uom or float(amount).is_integer()):
        element["quantity"] = amount
        if uom:
            element["uom"] = uom
    return element


def _ilmd(lot: Any) -> dict[str, str]:
    """Return lot master data for the commissioning event (CBV names where they exist)."""
    values = {
        "cbvmda:lotNumber": lot.code,
        "cbvmda:harvestStartDate": lot.harvest_date,
        "cbvmda:itemExpirationDate": lot.expiry_date,
        f"{PREFIX}:productionDate": lot.production_date,
        f"{PREFIX}:packingDate": lot.packing_date,
    }
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items() if v}


def epcis_event(
    event: Any, lot: Any, ids: Identifiers, *, tz_offset: str = VIETNAM_OFFSET
) -> dict[str, Any]:
    """Return one stored event (a correction: its replacement) as an EPCIS 2.0 event."""
    kind = effective_kind(event)
    spec = KINDS[kind]
    details = effective_details(event)
    own = ids.lots[lot.id]
    body: dict[str, Any] = {
        "type": spec.event_type,
        "eventTime": _time(event.event_time),
        "eventTimeZoneOffset": tz_offset,
        "recordTime": _time(event.recorded_at),
        "eventID": event_id(event),
    }
    amount = details.get("quantity", details.get("count"))
    if spec.event_type == OBJECT:
        body["action"] = spec.action
        body["quantityList"] = [_quantity(own, amount, details.get("unit"))]
    else:
        inputs = [
            _quantity(ids.lots[i["lot_id"]], i.get("quantity"), i.get("unit"))
            for i in details.get("inputs", [])
            if i.get("lot_id") in ids.lots
        ]
        if inputs:
            body["inputQuantityList"] = inputs
        else:
            # With no recorded input lot (packing the lot itself, or only outside inputs)
            # EPCIS asks for a transformationID to tie the output to a transformation.
            body["transformationID"] = (
                f"urn:uuid:{uuid.uuid5(_EVENT_ID_NAMESPACE, 't/' + event.hash)}"
            )
        body["outputQuantityList"] = [_quantity(own, amount, details.get("unit"))]
    for key, value in (("bizStep", spec.biz_step), ("disposition", spec.disposition)):
        if value:
            body[key] = value
    if event.farm_id is not None:
        body["readPoint"] = {"id": ids.farm(event.farm_id)}
        if kind != "shipping":  # goods in transit have no business location
            body["bizLocation"] = {"id": ids.farm(event.farm_id)}
    if kind == "shipping":
        if event.farm_id is not None:
            body["sourceList"] = [{"type": "location", "source": ids.farm(event.farm_id)}]
        if details.get("destination_uri"):
            body["destinationList"] = [
                {"type": "location", "destination": details["destination_uri"]}
            ]
    if kind == "receiving":
        if details.get("source_uri"):
            body["sourceList"] = [{"type": "location", "source": details["source_uri"]}]
        if event.farm_id is not None:
            body["destinationList"] = [{"type": "location", "destination": ids.farm(event.farm_id)}]
    if spec.action == "ADD":
        body["ilmd"] = _ilmd(lot)
    body[f"{PREFIX}:kind"] = kind
    body[f"{PREFIX}:details"] = details
    return body


def epcis_document(
    lot: Any,
    events: Iterable[Any],
    base_url: str,
    *,
    lot_uris: Mapping[int, str],
    created: datetime | None = None,
    tz_offset: str = VIETNAM_OFFSET,
) -> dict[str, Any]:
    """Return an EPCISDocument of a lot's events; corrected events carry errorDeclaration."""
    ids = Identifiers(base_url, lot_uris)
    rows = sorted(events, key=lambda e: e.seq)
    fixes = {e.corrects_event_id: e for e in rows if e.corrects_event_id is not None}
    event_list = []
    for event in rows:
        if is_retraction(event):
            continue  # "did not occur": only the declaration on the named event remains
        body = epcis_event(event, lot, ids, tz_offset=tz_offset)
        fix = fixes.get(event.id)
        if fix is not None:
            declaration: dict[str, Any] = {
                "declarationTime": _time(fix.recorded_at),
                "reason": fix.details.get("reason", "incorrect_data"),
            }
            if "replacement" in fix.details:
                declaration["correctiveEventIDs"] = [event_id(fix)]
            body["errorDeclaration"] = declaration
        corrected = next((e for e in rows if e.id == event.corrects_event_id), None)
        if corrected is not None:
            body[f"{PREFIX}:corrects"] = event_id(corrected)
        event_list.append(body)
    return {
        "@context": [EPCIS_CONTEXT, {PREFIX: namespace(base_url)}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _time(created or datetime.now(UTC)),
        "epcisBody": {"eventList": event_list},
    }
