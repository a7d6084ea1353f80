"""Shopify products -> Brevo e-commerce products (`product.upsert`).

One item of `POST /v3/products/batch` with `updateEnabled: true`
(https://developers.brevo.com/reference/create-update-batch-products): `id` and `name` are
required; `url`, `imageUrl`, `sku`, `price` and `metaInfo` are sent when the product has them.
Brevo keys products by our `id` (Shopify's numeric product id), so a resend updates the product.
Price and sku come from the first variant (Brevo has one price per product; variants that differ
are Brevo products of their own only when the shop syncs them so). `metaInfo` holds at most 20
plain values (Brevo's cap): vendor, type, handle, status and tags. A product Shopify deleted, or
archived, is sent with `isDeleted: true`, so Brevo stops recommending it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from mapping.commerce import first, number, paths, text_at
from mapping.errors import MappingError, Reason
from mapping.operations import BrevoOperation

_NAME = paths("title", "name")
_URL = paths("online_store_url", "onlineStoreUrl", "url")
_IMAGE = paths("image.src", "featuredImage.url", "featured_image.src", "images.0.src")
_VARIANTS = paths("variants.nodes", "variants.edges", "variants")
_PRICE = paths("price", "priceRangeV2.minVariantPrice", "priceRange.minVariantPrice")
_META: Final = {
    "vendor": paths("vendor"),
    "product_type": paths("product_type", "productType"),
    "handle": paths("handle"),
    "status": paths("status"),
}
_TAGS = paths("tags")
_DELETED_STATUSES: Final = frozenset({"archived", "deleted"})


@dataclass(frozen=True, slots=True)
class ProductUpsert:
    """A record part for Shopify products."""

    def describe(self) -> object:
        return {"part": "product.upsert", "shape": 1}

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        name = text_at(record, _NAME)
        if name is None:
            raise MappingError(Reason.UNSUPPORTED_RECORD, "has no title", "title")
        body: dict[str, Any] = {"id": source_id, "name": name}
        for key, candidates in (("url", _URL), ("imageUrl", _IMAGE)):
            value = text_at(record, candidates)
            if value is not None and value.startswith(("https://", "http://")):
                body[key] = value
        variant = _first_variant(record)
        sku = text_at(variant, paths("sku"))
        if sku is not None:
            body["sku"] = sku
        price = first(variant, paths("price")) or first(record, _PRICE)
        if price is not None:
            body["price"] = number(price, "variants[0].price")
        meta = {key: text_at(record, candidates) for key, candidates in _META.items()}
        tags = _tags(first(record, _TAGS))
        if tags:
            meta["tags"] = tags
        present = {key: value for key, value in meta.items() if value is not None}
        if present:
            body["metaInfo"] = present
        status = present.get("status", "")
        if record.get("deleted") is True or status.lower() in _DELETED_STATUSES:
            body["isDeleted"] = True
        return [BrevoOperation("product.upsert", f"shopify:products:{source_id}", source_id, body)]


def _first_variant(record: Mapping[str, object]) -> Mapping[str, object]:
    variants = first(record, _VARIANTS)
    if isinstance(variants, list) and variants:
        variant = variants[0]
        if isinstance(variant, Mapping) and isinstance(variant.get("node"), Mapping):
            variant = variant["node"]
        if isinstance(variant, Mapping):
            return variant
    return {}


def _tags(value: object) -> str | None:
    """Tags as one comma-separated text (REST writes a string, GraphQL a list)."""
    if isinstance(value, list):
        value = ", ".join(tag for tag in value if isinstance(tag, str) and tag.strip())
    if isinstance(value, str) and value.strip() and len(value) <= 1000:
        return value.strip()
    return None
