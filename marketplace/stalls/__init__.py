"""Seller stalls (gian hàng): application, approval, staff, audit log."""
