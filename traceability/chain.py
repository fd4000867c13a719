"""Hash chains over each lot's events: tamper-evident (not tamper-proof) records."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

GENESIS = "0" * 64
# The fields that define an event. The row id, the hashes and who recorded it are left out:
# ids and hashes are not part of the fact, and deleting a user account nulls recorded_by_id.
HASHED_FIELDS = (
    "lot_id",
    "seq",
    "kind",
    "event_type",
    "action",
    "biz_step",
    "disposition",
    "event_time",
    "recorded_at",
    "farm_id",
    "corrects_event_id",
    "details",
)


@dataclass(frozen=True)
class ChainReport:
    """The result of checking one lot's chain: ok, the first broken seq, events checked."""

    ok: bool
    broken_at_seq: int | None
    count: int


def _iso(value: datetime | date) -> str:
    if isinstance(value, datetime):
        # SQLite hands back naive datetimes that were stored as UTC.
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        text = aware.astimezone(UTC).isoformat(timespec="microseconds")
        return text.replace("+00:00", "Z")
    return value.isoformat()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return _iso(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and isinstance(value.value, str):  # str enums
        return value.value
    return value


def canonical_json(event: Mapping[str, Any]) -> bytes:
    """Return the canonical UTF-8 JSON of an event's defining fields (sorted, compact)."""
    fields = {name: _plain(event.get(name)) for name in HASHED_FIELDS}
    return json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_fields(event: Any) -> dict[str, Any]:
    """Return the hashed fields of a TraceEvent-like object as a dict."""
    return {name: getattr(event, name) for name in HASHED_FIELDS}


def event_hash(prev_hash: str, canonical: bytes) -> str:
    """Return sha256(prev_hash + canonical JSON) as hex."""
    return hashlib.sha256(prev_hash.encode("ascii") + canonical).hexdigest()


def verify_chain(
    events: Iterable[Any], length: int | None = None, head: str | None = None
) -> ChainReport:
    """Check one lot's events link up from GENESIS, gap-free, ending at the recorded head."""
    ordered = sorted(events, key=lambda e: e.seq)
    previous = GENESIS
    for expected_seq, event in enumerate(ordered, start=1):
        # A missing seq means a deleted row; a duplicate seq means a forked chain.
        if event.seq != expected_seq or event.prev_hash != previous:
            return ChainReport(False, event.seq, len(ordered))
        if event.hash != event_hash(previous, canonical_json(event_fields(event))):
            return ChainReport(False, event.seq, len(ordered))
        previous = event.hash
    if length is not None and (len(ordered) != length or (length and previous != head)):
        # The newest events were removed (or the lot's record of its head was changed).
        return ChainReport(False, len(ordered) + 1, len(ordered))
    return ChainReport(True, None, len(ordered))
