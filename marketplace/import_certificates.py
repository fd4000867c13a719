"""The OCOP stars and certifications a catalog file's rows claim, added in bulk."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from catalog.models import Certificate, CertificateKind, CertificateStatus
from marketplace.db import utcnow
from marketplace.import_bulk import chunks, insert_rows
from marketplace.import_lots import Plan

Claim = tuple[int, CertificateKind, int | None]  # product id, kind, stars


def write_certificates(
    session: Session,
    plan: Plan,
    ids: dict[tuple[int, str], int],
    stall_ids: list[int],
    per_stall: dict[int, Counter[str]],
    *,
    trusted: bool,
    reviewer: int | None,
) -> set[int]:
    """Add the claims that a product does not have yet; return the products that changed.

    A trusted file's claims are verified (by `reviewer`), and it vouches for a seller's
    pending certificate that it repeats; a seller's claims wait for review.
    """
    present: set[Claim] = set()
    pending: dict[Claim, int] = {}
    for cert_id, product_id, kind, stars, status in session.execute(
        select(
            Certificate.id,
            Certificate.product_id,
            Certificate.kind,
            Certificate.stars,
            Certificate.status,
        ).where(Certificate.stall_id.in_(stall_ids), Certificate.product_id.is_not(None))
    ):
        key = (product_id, kind, stars)
        if status == CertificateStatus.VERIFIED or (
            status == CertificateStatus.PENDING and not trusted
        ):
            present.add(key)
        elif status == CertificateStatus.PENDING:
            pending[key] = cert_id  # a trusted file vouches for what a seller claimed
    now = utcnow()
    status = CertificateStatus.VERIFIED if trusted else CertificateStatus.PENDING
    reviewed = {"reviewed_at": now, "reviewed_by_id": reviewer} if trusted else {}
    new: list[dict[str, Any]] = []
    verify: list[dict[str, Any]] = []
    touched: set[int] = set()
    for row, key, _farm in plan:
        product_id = ids[key]
        wanted = [(kind, None) for kind in row.certifications]
        if row.ocop_stars:
            wanted.insert(0, (CertificateKind.OCOP, row.ocop_stars))
        for kind, stars in wanted:
            claim = (product_id, kind, stars)
            if claim in present:
                continue
            present.add(claim)
            if claim in pending:
                verify.append({"id": pending[claim], "status": status, **reviewed})
            else:
                new.append(
                    {
                        "stall_id": key[0],
                        "product_id": product_id,
                        "kind": kind,
                        "stars": stars,
                        "status": status,
                        "created_at": now,
                        **reviewed,
                    }
                )
            per_stall[key[0]]["certificates"] += 1
            touched.add(product_id)
    insert_rows(session, Certificate.__table__, new)
    for chunk in chunks(verify):
        session.execute(update(Certificate), chunk)
    return touched
