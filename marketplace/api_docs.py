"""The OpenAPI 3.1 description of the JSON API (served at /api/v1/openapi.json).

Every route under /api/v1/ must appear in PATHS, and every path here must exist: a test
compares this document with the app's URL map.
"""

from __future__ import annotations

from typing import Any

_STRING = {"type": "string"}
_NULLABLE_STRING = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _path_param(name: str, description: str, schema: dict[str, Any] | None = None):
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or _STRING,
    }


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            "Cache-Control": {
                "description": "Public data; shared caches may keep it for 60 seconds.",
                "schema": {"type": "string", "examples": ["public, max-age=60"]},
            }
        },
        "content": {"application/json": {"schema": schema}},
    }


_NOT_FOUND = {
    "description": "Unknown, or not public (a pending, rejected or suspended stall; a draft or "
    "hidden product).",
    "content": {"application/json": {"schema": _ref("Error")}},
}

SCHEMAS: dict[str, Any] = {
    "Product": {
        "type": "object",
        "required": [
            "sku",
            "name",
            "category",
            "category_slug",
            "price_vnd",
            "unit",
            "stock",
            "ocop_stars",
            "province",
            "certifications",
            "stall",
            "url",
            "images",
        ],
        "properties": {
            "sku": _STRING,
            "name": _STRING,
            "category": {"type": "string", "description": "Vietnamese name of the category."},
            "category_slug": _STRING,
            "price_vnd": {"type": "integer", "minimum": 0, "description": "Whole đồng."},
            "unit": {"type": "string", "examples": ["hộp 500g", "kg", "chai 500ml"]},
            "stock": {"type": "integer", "minimum": 0},
            "ocop_stars": {
                "type": ["integer", "null"],
                "enum": [3, 4, 5, None],
                "description": "Only from a verified, unexpired OCOP certificate.",
            },
            "province": {
                "type": ["string", "null"],
                "description": "Short province name.",
                "examples": ["Phú Thọ", "Hà Nội"],
            },
            "certifications": {
                "type": "array",
                "description": "Kinds of the verified, unexpired certificates.",
                "items": {"type": "string", "enum": ["globalgap", "ocop", "organic", "vietgap"]},
            },
            "stall": {
                "type": "object",
                "required": ["slug", "name"],
                "properties": {"slug": _STRING, "name": _STRING},
            },
            "url": {"type": "string", "format": "uri", "description": "The product's page."},
            "images": {"type": "array", "items": {"type": "string", "format": "uri"}},
        },
    },
    "Certificate": {
        "type": "object",
        "required": ["kind", "stars", "number", "issuer", "valid_until", "expired", "product_sku"],
        "properties": {
            "kind": {"type": "string", "enum": ["globalgap", "ocop", "organic", "vietgap"]},
            "stars": {"type": ["integer", "null"]},
            "number": _STRING,
            "issuer": _STRING,
            "valid_until": {"type": ["string", "null"], "format": "date"},
            "expired": {"type": "boolean"},
            "product_sku": {
                "type": ["string", "null"],
                "description": "The product it covers; null for the whole stall.",
            },
        },
    },
    "Stall": {
        "type": "object",
        "required": [
            "slug",
            "name",
            "kind",
            "province",
            "ward",
            "description",
            "url",
            "logo",
            "certificates",
            "product_count",
        ],
        "properties": {
            "slug": _STRING,
            "name": _STRING,
            "kind": {"type": "string", "enum": ["household", "cooperative", "enterprise"]},
            "province": _NULLABLE_STRING,
            "ward": _NULLABLE_STRING,
            "description": _STRING,
            "url": {"type": "string", "format": "uri"},
            "logo": {"type": ["string", "null"], "format": "uri"},
            "certificates": {
                "type": "array",
                "description": "Verified certificates (expired ones are flagged).",
                "items": _ref("Certificate"),
            },
            "product_count": {"type": "integer", "minimum": 0},
        },
    },
    "Province": {
        "type": "object",
        "required": ["code", "name", "short_name"],
        "properties": {
            "code": {"type": "integer"},
            "name": {"type": "string", "examples": ["Tỉnh Phú Thọ"]},
            "short_name": {"type": "string", "examples": ["Phú Thọ"]},
        },
    },
    "Ward": {
        "type": "object",
        "required": ["code", "name"],
        "properties": {"code": {"type": "integer"}, "name": _STRING},
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "properties": {"status": {"type": "integer"}, "message": _STRING},
            }
        },
    },
}

PATHS: dict[str, Any] = {
    "/api/v1/products/{slug}/{sku}": {
        "get": {
            "operationId": "getProduct",
            "summary": "One product of a stall",
            "parameters": [
                _path_param("slug", "The stall's slug."),
                _path_param("sku", "The product's SKU within the stall."),
            ],
            "responses": {"200": _ok("The product.", _ref("Product")), "404": _NOT_FOUND},
        }
    },
    "/api/v1/stalls/{slug}": {
        "get": {
            "operationId": "getStall",
            "summary": "One stall",
            "parameters": [_path_param("slug", "The stall's slug.")],
            "responses": {"200": _ok("The stall.", _ref("Stall")), "404": _NOT_FOUND},
        }
    },
    "/api/v1/provinces": {
        "get": {
            "operationId": "listProvinces",
            "summary": "Provinces and centrally run cities (two-level units since 1 July 2025)",
            "responses": {
                "200": _ok("The provinces.", {"type": "array", "items": _ref("Province")})
            },
        }
    },
    "/api/v1/provinces/{code}/wards": {
        "get": {
            "operationId": "listWards",
            "summary": "Wards, communes and special zones of a province",
            "parameters": [_path_param("code", "The province code.", {"type": "integer"})],
            "responses": {
                "200": _ok("The wards.", {"type": "array", "items": _ref("Ward")}),
                "404": _NOT_FOUND,
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "getOpenAPI",
            "summary": "This document",
            "responses": {"200": _ok("The OpenAPI document.", {"type": "object"})},
        }
    },
}


def document(base_url: str) -> dict[str, Any]:
    """Return the OpenAPI document, with the market's public address as its server."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Chợ Phiên API",
            "version": "1.0.0",
            "description": "Read-only public data of the Chợ Phiên OCOP market: products, "
            "stalls and Vietnam's administrative units. No authentication.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": base_url}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }
