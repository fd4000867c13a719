"""What a lot's events say once corrections are applied (for pages and exports)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketplace.db import as_utc
from traceability.events import CORRECTION


@dataclass(frozen=True)
class TimelineEntry:
    """One event as a shopper should see it, after corrections are applied."""

    event: Any
    kind: str
    details: dict[str, Any]
    event_time: datetime
    corrected: bool  # a later correction declared this entry wrong
    did_not_occur: bool  # …and said it never happened
    correction_of: Any | None  # the event this entry replaces, if it is a correction


def effective_kind(event: Any) -> str:
    """Return the kind an event stands for (a correction stands for what it replaces)."""
    return event.details.get("kind", CORRECTION) if event.kind == CORRECTION else event.kind


def is_retraction(event: Any) -> bool:
    """Return whether an event only declares another one did not occur (no event of its own)."""
    return event.kind == CORRECTION and "replacement" not in event.details


def effective_details(event: Any) -> dict[str, Any]:
    """Return the details an event stands for (a correction: its replacement's)."""
    return event.details.get("replacement", {}) if event.kind == CORRECTION else event.details


def timeline(events: Iterable[Any]) -> list[TimelineEntry]:
    """Return events in time order with corrections applied; nothing is hidden or edited."""
    rows = sorted(events, key=lambda e: e.seq)
    by_id = {e.id: e for e in rows}
    corrections = {e.corrects_event_id: e for e in rows if e.corrects_event_id is not None}
    entries = []
    for event in rows:
        fix = corrections.get(event.id)
        if is_retraction(event):
            continue  # a bare "did not occur" declaration shows on the event it names
        entries.append(
            TimelineEntry(
                event=event,
                kind=effective_kind(event),
                details=effective_details(event),
                event_time=as_utc(event.event_time),  # SQLite reads back naive UTC
                corrected=fix is not None,
                did_not_occur=fix is not None and fix.details.get("reason") == "did_not_occur",
                correction_of=by_id.get(event.corrects_event_id),
            )
        )
    return sorted(entries, key=lambda entry: (entry.event_time, entry.event.seq))
