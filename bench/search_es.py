"""The benchmark's helpers: a noida-db Elasticsearch emulator on loopback, the final summary."""

from __future__ import annotations

import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

GOAL_P95_MS = 25.0
GOAL_GROWTH = 2.0
GOAL_RATE = 2000.0


@contextmanager
def elasticsearch() -> Iterator[str | None]:
    """Yield the URL of a noida-db started on a free loopback port, or None if it cannot run."""
    try:
        binary = Path(str(files("noida_db").joinpath("noida-db")))
    except ModuleNotFoundError:
        yield None
        return
    if not binary.is_file():
        yield None
        return
    binary.chmod(0o755)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-noida-") as tmp:
        log = (Path(tmp) / "noida.log").open("wb")
        process = subprocess.Popen(
            [str(binary), "start", "--only", "elasticsearch", "--elasticsearch-port", str(port),
             "--data-dir", str(Path(tmp) / "data")],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            yield url if _up(url, process) else None
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _up(url: str, process: subprocess.Popen[bytes], seconds: float = 15) -> bool:
    """Wait until the server answers; False if it dies or takes too long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 -- loopback only
                return True
        except OSError:
            time.sleep(0.05)
    return False


def summary(results: list[dict[str, Any]]) -> None:
    """Print the figures as a Markdown table and say which goals are met."""
    print(
        "\n## Summary (p50 / p95 in ms; warm = index caches warm, each query new; "
        "seen = the same queries again, answers forgotten)\n"
    )
    print(
        "| backend | products | import rows/s | plain warm | filtered warm | all warm (CPU) "
        "| all seen (CPU) | all cold | all cold (CPU) | API |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cells = [
            _pair(r["warm"].get("plain")),
            _pair(r["warm"].get("filtered")),
            _pair(r["warm"].get("all (CPU)")),
            _pair(r["seen"].get("all (CPU)")),
            _pair(r["cold"].get("all")),
            _pair(r["cold"].get("all (CPU)")),
            _pair(r["api"].get("all")),
        ]
        print(f"| {r['kind']} | {r['size']:,} | {r['rate']:,.0f} | " + " | ".join(cells) + " |")
    sqlite = sorted((r for r in results if r["kind"] == "sqlite"), key=lambda r: r["size"])
    if not sqlite:
        return
    small, large = sqlite[0], sqlite[-1]
    print("\nGoals (embedded backend):")
    for label, figures, kind in (
        ("warm, wall clock", "warm", "all"),
        ("warm, CPU time", "warm", "all (CPU)"),
        ("terms seen, wall clock", "seen", "all"),
        ("terms seen, CPU time", "seen", "all (CPU)"),
        ("cold, wall clock", "cold", "all"),
        ("cold, CPU time", "cold", "all (CPU)"),
    ):
        p95 = large[figures][kind][1]
        print(f"- p95 <= {GOAL_P95_MS:.0f} ms at {large['size']:,} ({label}): {p95:.1f} ms "
              f"-> {'met' if p95 <= GOAL_P95_MS else 'NOT met'}")  # fmt: skip
        if large is not small:
            growth = p95 / small[figures][kind][1]
            print(f"- 10x products costs <= {GOAL_GROWTH:.0f}x p95 ({label}): {growth:.2f}x "
                  f"-> {'met' if growth <= GOAL_GROWTH else 'NOT met'}")  # fmt: skip
    rate = large["rate"]
    print(f"- import {large['size']:,} rows incl. indexing >= {GOAL_RATE:,.0f} rows/s: "
          f"{rate:,.0f} -> {'met' if rate >= GOAL_RATE else 'NOT met'}")  # fmt: skip


def _pair(figures: tuple[float, float] | None) -> str:
    """Format a (p50, p95) pair."""
    return "–" if figures is None else f"{figures[0]:.1f} / {figures[1]:.1f}"
