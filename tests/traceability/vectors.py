"""Where the shared test vectors live (beside the repository), and a skip when absent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from marketplace.config import REPO_ROOT

VECTORS = REPO_ROOT.parent / "shared" / "vectors"


def vector_path(*parts: str) -> Path:
    """Return a path under shared/vectors, skipping the test when the folder is missing."""
    path = VECTORS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test vectors not found at {path} (clone shared/ beside the repo)")
    return path


def load_json(*parts: str) -> Any:
    """Load a JSON vector file, or skip when shared/ is missing."""
    return json.loads(vector_path(*parts).read_text(encoding="utf-8"))


def load_or_empty(*parts: str) -> Any:
    """Load a JSON vector file at collection time; None when absent (tests then skip)."""
    path = VECTORS.joinpath(*parts)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
