"""Import benchmark: time the CSV importer and the indexing after its commit, phase by phase.

Run ``python -m bench.import_rate [SIZE] [--profile import|index|all] [--top N]``. It builds a
fresh SQLite market (as `bench.search` does), imports the synthetic catalog of SIZE products
(default 100,000) with the real importer, and prints the seconds and rows per second of
reading the file, checking and writing the rows, and indexing (the outbox drain after the
commit). `--profile` runs that part under cProfile and prints the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from bench.search import market
from bench.search_data import catalog_csv
from catalog.csv_import import read_catalog
from marketplace.extensions import get_database
from marketplace.imports import import_catalog
from marketplace.search_service import get_search


def main() -> None:
    """Import one catalog and print the time of each phase."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", nargs="?", type=int, default=100_000)
    parser.add_argument("--profile", choices=("import", "index", "all"))
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    data = catalog_csv(args.size)
    print(f"{args.size:,} rows, {len(data) / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f}")
    started, cpu = time.perf_counter(), time.process_time()
    read_catalog(data, max_rows=None, max_bytes=len(data) + 1)
    print(f"  read_catalog alone {time.perf_counter() - started:6.2f} s "
          f"(CPU {time.process_time() - cpu:.2f} s)")  # fmt: skip
    profiler = cProfile.Profile()

    def profiled(part: str) -> AbstractContextManager[Any]:
        return profiler if args.profile in (part, "all") else nullcontext()

    with (
        tempfile.TemporaryDirectory(prefix="bench-import-") as tmp,
        market(Path(tmp), {"SEARCH_BACKEND": "sqlite"}) as app,
    ):
        with get_database(app).new_session() as session:
            started, cpu0 = time.perf_counter(), time.process_time()
            with profiled("import"):
                summary = import_catalog(
                    session, data, trusted=True, max_rows=None, max_bytes=len(data) + 1
                )
            written, cpu1 = time.perf_counter(), time.process_time()
            with profiled("index"):
                session.commit()  # the outbox drain after the commit indexes every product
            done, cpu2 = time.perf_counter(), time.process_time()
        indexed = get_search(app).backend.count()
    size = args.size
    print(f"  {summary}")
    # CPU time is what a phase costs with a core to itself; a shared machine inflates wall time.
    for label, wall, used in (
        ("import (read, check, write)", written - started, cpu1 - cpu0),
        ("commit + indexing", done - written, cpu2 - cpu1),
        ("total", done - started, cpu2 - cpu0),
    ):
        print(f"  {label:28} wall {wall:6.2f} s {size / wall:7,.0f} rows/s   "
              f"CPU {used:6.2f} s {size / used:7,.0f} rows/s")  # fmt: skip
    print(f"  {indexed:,} products indexed")
    print(f"  load average at the end {os.getloadavg()[0]:.1f}")
    if args.profile:
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
