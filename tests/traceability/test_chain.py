"""Hash chains: canonical JSON, hashing and verification (pure, no database)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone

from traceability.chain import (
    GENESIS,
    ChainReport,
    canonical_json,
    event_fields,
    event_hash,
    verify_chain,
)


@dataclass
class Row:
    """A stand-in for a stored TraceEvent."""

    seq: int
    details: dict = field(default_factory=dict)
    id: int = 0
    lot_id: int = 7
    kind: str = "harvest"
    event_type: str = "ObjectEvent"
    action: str | None = "ADD"
    biz_step: str | None = "commissioning"
    disposition: str | None = "active"
    event_time: datetime = datetime(2025, 7, 1, 1, 30, tzinfo=UTC)
    recorded_at: datetime = datetime(2025, 7, 1, 2, 0, 0, 123456, tzinfo=UTC)
    farm_id: int | None = 3
    recorded_by_id: int | None = 9
    corrects_event_id: int | None = None
    prev_hash: str = ""
    hash: str = ""


def chain(*details: dict) -> list[Row]:
    """Return rows linked the way the services link them."""
    rows, previous = [], GENESIS
    for seq, detail in enumerate(details, start=1):
        row = Row(seq=seq, id=100 + seq, details=detail, prev_hash=previous)
        row.hash = event_hash(previous, canonical_json(event_fields(row)))
        rows.append(row)
        previous = row.hash
    return rows


def test_canonical_json_is_sorted_compact_utf8_and_leaves_out_bookkeeping():
    row = Row(seq=1, details={"note": "Chè Tân Cương", "b": 2, "a": 1})
    text = canonical_json(event_fields(row) | {"id": 5, "hash": "x", "prev_hash": "y"})
    assert text.decode("utf-8") == json.dumps(
        json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert "Chè Tân Cương".encode() in text  # not \\u-escaped
    assert b'"event_time":"2025-07-01T01:30:00.000000Z"' in text
    for left_out in (b'"id"', b'"hash"', b'"prev_hash"', b"recorded_by"):
        assert left_out not in text
    assert b'"details":{"a":1,"b":2,"note"' in text


def test_the_same_instant_gives_the_same_bytes_whatever_the_timezone():
    hanoi = timezone(timedelta(hours=7))
    aware = Row(seq=1, event_time=datetime(2025, 7, 1, 8, 30, tzinfo=hanoi))
    naive_utc = Row(seq=1, event_time=datetime(2025, 7, 1, 1, 30))  # as SQLite returns it
    assert canonical_json(event_fields(aware)) == canonical_json(event_fields(naive_utc))


def test_event_hash_is_sha256_of_the_previous_hash_and_the_canonical_json():
    canonical = canonical_json(event_fields(Row(seq=1)))
    assert (
        event_hash(GENESIS, canonical) == hashlib.sha256(GENESIS.encode() + canonical).hexdigest()
    )
    assert event_hash("1" * 64, canonical) != event_hash(GENESIS, canonical)


def test_an_untouched_chain_verifies_in_any_order():
    rows = chain({"quantity": 5}, {"note": "phơi khô"}, {})
    assert verify_chain(reversed(rows)) == ChainReport(True, None, 3)
    assert verify_chain([]) == ChainReport(True, None, 0)


def test_edited_details_break_the_chain_at_that_event():
    rows = chain({"quantity": 5}, {"quantity": 6}, {"quantity": 7})
    rows[1].details = {"quantity": 60}
    assert verify_chain(rows) == ChainReport(False, 2, 3)


def test_every_defining_field_is_covered():
    for change in (
        {"event_time": datetime(2024, 1, 1, tzinfo=UTC)},
        {"farm_id": 4},
        {"disposition": "recalled"},
        {"recorded_at": datetime(2030, 1, 1, tzinfo=UTC)},
        {"corrects_event_id": 101},
        {"kind": "input"},
    ):
        rows = chain({}, {})
        rows[0] = replace(rows[0], **change)
        assert verify_chain(rows).broken_at_seq == 1, change


def test_recorded_by_is_not_covered_so_deleting_a_user_cannot_break_chains():
    rows = chain({}, {})
    rows[0].recorded_by_id = None
    assert verify_chain(rows).ok


def test_a_deleted_or_reordered_event_is_detected():
    rows = chain({"a": 1}, {"a": 2}, {"a": 3})
    assert verify_chain([rows[0], rows[2]]) == ChainReport(False, 3, 2)
    rows[1].seq, rows[2].seq = 3, 2
    assert not verify_chain(rows).ok


def test_a_recomputed_hash_without_relinking_is_detected():
    rows = chain({"a": 1}, {"a": 2})
    rows[0].details = {"a": 99}
    rows[0].hash = event_hash(GENESIS, canonical_json(event_fields(rows[0])))
    assert verify_chain(rows) == ChainReport(False, 2, 2)
