"""The dependency rule between packages, checked on every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from marketplace.config import REPO_ROOT

PACKAGES = ("marketplace", "catalog", "traceability", "payments")
# What each package may import from the project besides itself.
ALLOWED = {
    "marketplace": {"catalog", "traceability", "payments"},
    "traceability": {"catalog", "marketplace.db"},
    "catalog": {"marketplace.db"},
    "payments": {"marketplace.db"},
}
WEB = ("flask", "flask_babel", "flask_login", "flask_wtf", "flask_limiter", "werkzeug", "wtforms")
# Modules that must stay testable without an app.
FLASK_FREE_NAMES = {"models", "services", "db", "formatting", "migrate", "gs1", "qr", "text"}


def imported_modules(source: str) -> set[str]:
    """Return the absolute module names a source file imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # Record what is imported: `from marketplace import db` is marketplace.db.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def violations(package: str, relpath: str, source: str) -> list[str]:
    """Return the rule breaches of one module of a package."""
    problems = []
    allowed = ALLOWED[package]
    for name in imported_modules(source):
        top = name.split(".")[0]
        permitted = any(name == a or name.startswith(a + ".") for a in allowed)
        if top in PACKAGES and top != package and not permitted:
            problems.append(f"{relpath} imports {name}")
        if top in WEB:
            stem = Path(relpath).stem
            in_web_layer = package == "marketplace" or "views" in relpath or "webhooks" in relpath
            if not in_web_layer or stem in FLASK_FREE_NAMES or "/search/" in relpath:
                problems.append(f"{relpath} imports {name} (web code outside views)")
    return problems


def _modules():
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            rel = path.relative_to(REPO_ROOT).as_posix()
            if "/migrations/versions/" in rel:
                continue
            yield package, rel, path


@pytest.mark.parametrize(("package", "rel", "path"), list(_modules()), ids=lambda v: str(v))
def test_module_respects_the_dependency_rule(package, rel, path):
    assert violations(package, rel, path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("package", "rel", "source"),
    [
        ("catalog", "catalog/models.py", "from marketplace.users.models import User"),
        ("catalog", "catalog/models.py", "import flask"),
        ("catalog", "catalog/search/fts5.py", "from flask import current_app"),
        ("payments", "payments/stripe_api.py", "from catalog.models import Product"),
        ("traceability", "traceability/lots.py", "from payments import cod"),
        ("marketplace", "marketplace/users/services.py", "from flask import g"),
    ],
)
def test_the_checker_catches_forbidden_imports(package, rel, source):
    assert violations(package, rel, source)


@pytest.mark.parametrize(
    ("package", "rel", "source"),
    [
        ("catalog", "catalog/models.py", "from marketplace.db import Base, utcnow"),
        ("traceability", "traceability/models.py", "from catalog.models import Product"),
        ("marketplace", "marketplace/views/seller.py", "from flask import Blueprint"),
        ("payments", "payments/webhooks.py", "from flask import request"),
        ("catalog", "catalog/services.py", "from marketplace import db"),
    ],
)
def test_the_checker_allows_permitted_imports(package, rel, source):
    assert violations(package, rel, source) == []
