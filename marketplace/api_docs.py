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
            "trace_url",
            "qr_url",
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
            "trace_url": {
                "type": "string",
                "format": "uri",
                "description": "What the product's QR code opens: the GS1 Digital Link of its "
                "current lot (the newest active, unexpired one), else of the product; /t/{token} "
                "for products without a GTIN. Resolved at /01/… and /t/… (see "
                "/.well-known/gs1resolver).",
            },
            "qr_url": {
                "type": "string",
                "format": "uri",
                "description": "A PNG QR code encoding exactly trace_url (replace /qr/png/ by "
                "/qr/svg/ for SVG).",
            },
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


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or _STRING}  # fmt: skip


def _int(low: int, high: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high}


_FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "count"],
        "properties": {
            "value": {"type": ["string", "integer"]},
            "count": {"type": "integer", "minimum": 1},
            "label": {"type": "string", "description": "Category name (category facet only)."},
        },
    },
}
_SEARCH_RESULT = {
    "type": "object",
    "required": ["total", "page", "per_page", "items", "facets", "suggestion"],
    "properties": {
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
        "facets": {
            "type": "object",
            "required": ["category", "province", "ocop_stars", "certification"],
            "properties": {
                "category": _FACET,
                "province": _FACET,
                "ocop_stars": _FACET,
                "certification": _FACET,
            },
        },
        "suggestion": {"type": ["string", "null"], "description": "Did you mean … (few results)."},
    },
}
_SUGGESTIONS = {
    "type": "object",
    "required": ["query", "suggestions"],
    "properties": {
        "query": _STRING,
        "suggestions": {
            "type": "array",
            "maxItems": 8,
            "items": {
                "type": "object",
                "required": ["kind", "label", "url"],
                "properties": {
                    "kind": {"type": "string", "enum": ["category", "stall", "product"]},
                    "label": _STRING,
                    "url": {"type": "string", "format": "uri"},
                },
            },
        },
    },
}
_BAD_PARAMETER = {
    "description": "A parameter is invalid; error.field names it.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
_UNAVAILABLE = {
    "description": "Search is temporarily unavailable (Retry-After says when to try again).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
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
    "/api/v1/products": {
        "get": {
            "operationId": "searchProducts",
            "summary": "Search or list products, with filters, facets, sorting and paging",
            "description": "Every parameter is optional: without q every public product is "
            "listed (newest first), filters still apply. Text is matched without accents, "
            "with one typo per word of 4+ letters, and the last word as a prefix. Facets count "
            "every match with all filters applied. A bad value gives 400 with the parameter "
            "named in error.field; 503 means search is briefly unavailable.",
            "parameters": [
                _query("q", "Words to search for (accents optional).", _STRING),
                _query("category", "A category slug; a group includes its sub-categories."),
                _query("province", "A province: short name, full name or code."),
                _query("min_stars", "Verified OCOP stars at least.", _int(1, 5)),
                _query("certification", "ocop, vietgap, globalgap or organic."),
                _query("min_price", "Lowest price in đồng.", _int(0, 10**12)),
                _query("max_price", "Highest price in đồng.", _int(0, 10**12)),
                _query(
                    "sort",
                    "Order of the results.",
                    {"type": "string", "enum": ["relevance", "price_asc", "price_desc", "newest"]},
                ),
                _query("page", "Page number (page * per_page <= 10000).", _int(1, 10000)),
                _query("per_page", "Results per page (default 24).", _int(1, 100)),
            ],
            "responses": {
                "200": _ok("One page of results.", _SEARCH_RESULT),
                "400": _BAD_PARAMETER,
                "503": _UNAVAILABLE,
            },
        }
    },
    "/api/v1/suggest": {
        "get": {
            "operationId": "suggest",
            "summary": "Up to 8 completions for a search box: categories, stalls, products",
            "parameters": [_query("q", "What the shopper has typed so far.", _STRING)],
            "responses": {
                "200": _ok("The completions.", _SUGGESTIONS),
                "503": _UNAVAILABLE,
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
