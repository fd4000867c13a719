"""Search benchmark: import synthetic catalogs through the importer, then time queries.

Run ``make bench-search`` (or ``python -m bench.search``). For each catalog size it builds a
fresh SQLite market, imports the CSV with the real importer (the outbox drain after the commit
indexes it, so the rate includes indexing), then times a fixed mix of queries one by one
(see `search_queries`), each distinct, after a warm-up with other queries; then the same
mix again with each answer forgotten (the words were seen before, as on a server that has
been running: the embedded backend's term postings are cached), then with every cache
emptied. It prints the import rate and p50/p95 latencies; it asserts nothing.
Elasticsearch (noida-db, an emulator, so for information only) runs when its binary
starts, at the smallest size unless ``BENCH_ES_SIZES`` says otherwise.

Environment: ``BENCH_SIZES`` (default ``10000,100000``), ``BENCH_PER_KIND`` (default 40),
``BENCH_ES_SIZES`` (default the first size; empty skips Elasticsearch).
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from bench.search_data import catalog_csv
from bench.search_queries import KIND_NAMES, Query, query_mix
from catalog.categories import ensure_categories
from catalog.search import SearchQuery, SearchUnavailable
from marketplace import migrate
from marketplace.app import create_app
from marketplace.extensions import get_database
from marketplace.imports import import_catalog
from marketplace.search_service import get_search


def percentile(values: list[float], share: float) -> float:
    """Return the nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


@contextmanager
def market(workdir: Path, backend: dict[str, Any]) -> Iterator[Any]:
    """Yield an app on a fresh SQLite market in `workdir` with the given search settings."""
    url = f"sqlite:///{workdir / 'market.db'}"
    migrate.upgrade(url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(workdir / "instance"),
            "SECRET_KEY": "bench",
            "PUBLIC_BASE_URL": "http://bench.test",
            **backend,
        }
    )
    with get_database(app).new_session() as session:
        ensure_categories(session)
        session.commit()
    with app.app_context():
        yield app
    get_database(app).engine.dispose()


def import_rate(app: Any, size: int) -> dict[str, float]:
    """Import a catalog of `size` products; return the seconds spent and rows per second."""
    data = catalog_csv(size)
    started = time.perf_counter()
    with get_database(app).new_session() as session:
        import_catalog(session, data, trusted=True, max_rows=None, max_bytes=len(data) + 1)
        written = time.perf_counter()
        session.commit()  # the outbox drain after the commit indexes every product
    done = time.perf_counter()
    indexed = get_search(app).backend.count()
    if indexed != size:
        print(f"  ! {indexed} of {size} products indexed", file=sys.stderr)
    return {
        "import_s": written - started,
        "index_s": done - written,
        "total_s": done - started,
        "rate": size / (done - started),
    }


def time_queries(run: Callable[[Query], object], queries: list[Query]) -> dict[str, list[float]]:
    """Run each query once; return milliseconds per kind, plus 'plain' and 'filtered'."""
    times: dict[str, list[float]] = defaultdict(list)
    for query in queries:
        started, cpu = time.perf_counter(), time.process_time()
        run(query)
        ms = (time.perf_counter() - started) * 1000
        times[query.kind].append(ms)
        times["filtered" if query.filters else "plain"].append(ms)
        times["all"].append(ms)
        # CPU time of this process: what the query costs when it has a core to itself, which
        # wall time on a shared, oversubscribed machine does not show.
        times["all (CPU)"].append((time.process_time() - cpu) * 1000)
    return times


def backend_search(app: Any) -> Callable[[Query], object]:
    """Return a function running a query through the app's search service."""
    service = get_search(app)

    def run(query: Query) -> object:
        return service.search(SearchQuery(text=query.text, **query.filters))  # type: ignore[arg-type]

    return run


def api_search(app: Any) -> Callable[[Query], object]:
    """Return a function running a query through GET /api/v1/products (end to end)."""
    client = app.test_client()

    def run(query: Query) -> object:
        params = {"q": query.text, **{k: str(v) for k, v in query.filters.items()}}
        response = client.get("/api/v1/products", query_string=params)
        if response.status_code != 200:
            raise RuntimeError(f"API answered {response.status_code} to {params}")
        return response

    return run


def report(label: str, times: dict[str, list[float]]) -> dict[str, tuple[float, float]]:
    """Print p50/p95 per kind; return them."""
    figures = {}
    print(f"  {label}")
    for kind in (*KIND_NAMES, "plain", "filtered", "all", "all (CPU)"):
        values = times.get(kind, [])
        if not values:
            continue
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        figures[kind] = (p50, p95)
        print(f"    {kind:13} n={len(values):4}  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
    return figures


def bench_size(kind: str, size: int, per_kind: int, backend: dict[str, Any]) -> dict[str, Any]:
    """Import one catalog size into a fresh market and time the query mix on it."""
    print(f"\n== {kind}, {size:,} products ==")
    with (
        tempfile.TemporaryDirectory(prefix="bench-search-") as tmp,
        market(Path(tmp), backend) as app,
    ):
        rates = import_rate(app, size)
        print(
            f"  import {size:,} rows: {rates['total_s']:.1f} s = {rates['rate']:,.0f} rows/s "
            f"(reading and writing {rates['import_s']:.1f} s, indexing {rates['index_s']:.1f} s)"
        )
        run = backend_search(app)
        time_queries(run, query_mix(seed=7, per_kind=max(5, per_kind // 2)))  # warm-up
        queries = query_mix(seed=2025, per_kind=per_kind)
        warm = report("search (index caches warm, each query new):", time_queries(run, queries))
        forget = getattr(get_search(app).backend, "clear_caches", None)

        def cold(query: Query) -> object:
            if forget is not None:  # drop the match and result caches before each query
                forget()
            return run(query)

        def seen(query: Query) -> object:
            if forget is not None:  # answers forgotten, term postings kept
                forget(postings=False)
            return run(query)

        seen_figures = report(
            "search again (terms seen before, answers forgotten before each query):",
            time_queries(seen, queries),
        )
        cold_figures = report(
            "search (every cache emptied before each query):", time_queries(cold, queries)
        )
        try:
            api = report(
                "GET /api/v1/products end to end (search + 24 products from the database):",
                time_queries(api_search(app), queries[: 6 * max(5, per_kind // 4)]),
            )
        except RuntimeError as exc:  # the benchmark reports; it does not judge
            print(f"  (API timing skipped: {exc})")
            api = {}
    return {
        "kind": kind,
        "size": size,
        **rates,
        "warm": warm,
        "seen": seen_figures,
        "cold": cold_figures,
        "api": api,
    }


def main() -> None:
    """Run the benchmark and print a summary."""
    logging.disable(logging.WARNING)
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",") if s]
    per_kind = int(os.environ.get("BENCH_PER_KIND", "40"))
    es_sizes = [int(s) for s in os.environ.get("BENCH_ES_SIZES", str(sizes[0])).split(",") if s]
    print(f"Search benchmark, {date.today()}, {platform.platform()}, {os.cpu_count()} CPUs")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    results = [bench_size("sqlite", size, per_kind, {"SEARCH_BACKEND": "sqlite"}) for size in sizes]
    from bench.search_es import elasticsearch

    with elasticsearch() as url:
        if url is None:
            print("\n(Elasticsearch skipped: noida-db is not installed or did not start)")
        for size in es_sizes if url else []:
            backend = {"SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": url}
            try:
                results.append(bench_size("elasticsearch (noida-db)", size, per_kind // 2, backend))
            except SearchUnavailable as exc:  # an emulator on a busy machine may time out
                print(f"  (Elasticsearch figures skipped: {exc})")
    from bench.search_es import summary

    summary(results)
    print(f"\n(benchmark ran {time.perf_counter() - started:.0f} s; "
          f"load average at the end: {os.getloadavg()[0]:.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
