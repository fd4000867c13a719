"""`flask --app wsgi catalog import` killed (SIGKILL) in the middle of writing leaves nothing.

The import is one transaction: a process that dies before its commit has written no product,
stall, farm, lot or certificate, and the database is whole and usable afterwards.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

from marketplace.config import REPO_ROOT
from tests.factories import CATALOG_HEADER

ROWS = 6_000
COUNTED = ("mkt_stalls", "catalog_products", "catalog_certificates", "trace_farms", "trace_lots")


def big_catalog(path: Path, rows: int = ROWS) -> None:
    """Write a trusted catalog of many products in a few new stalls, with lots and farms."""
    lines = [CATALOG_HEADER]
    for n in range(rows):
        stall = f"htx-thu-{n % 4}"
        lines.append(
            f'{stall},SP-{n:06d},Chè búp số {n},"Chè, trà",{100_000 + n},hộp 500g,{n % 50},'
            f"4,Thái Nguyên,Chè xanh số {n},VietGAP,,L{n:06d},Đồi chè {n % 20},12/10/2025"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def counts(path: str) -> dict[str, int]:
    """Count the rows an import writes."""
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}


def writing(path: str) -> bool:
    """Tell whether another process holds the database's write lock (an open write)."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def test_a_killed_import_writes_nothing(sqlite_market, tmp_path):
    path, url = sqlite_market
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "DATABASE"))}
    env.update(DATABASE_URL=url, INSTANCE_PATH=str(tmp_path / "instance"), SECRET_KEY="x")
    csv = tmp_path / "catalog.csv"
    big_catalog(csv)
    before = counts(path)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "catalog", "import", str(csv)]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    deadline, wal = time.monotonic() + 120, Path(f"{path}-wal")
    # Kill once the import's transaction has spilled its first pages into the write-ahead
    # log: well into the inserts (the whole file is several times SQLite's page cache).
    while not (wal.exists() and wal.stat().st_size > 0 and writing(path)):
        assert process.poll() is None, process.stdout.read().decode()
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    output = process.communicate(timeout=30)[0].decode()
    assert process.returncode == -signal.SIGKILL, output
    assert "products" not in output  # it never reached its summary

    assert counts(path) == before
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not writing(path)  # the dead process's lock went with it
