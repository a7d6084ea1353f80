"""Handler of POST /v3/products/batch: 201 `{"createdCount", "updatedCount"}` (spec
`createUpdateBatchProductsModel`); over 100 products, or a repeated id, is a 400 as Brevo says."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from sandbox.brevo.errors import brevo_error
from sandbox.brevo.routing import BrevoCall, BrevoRoute

MAX_PRODUCTS_PER_CALL = 100


def create_update_batch_products(call: BrevoCall) -> Response:
    body = call.json_object()
    products = list(body["products"])
    if len(products) > MAX_PRODUCTS_PER_CALL:
        return brevo_error(400, "invalid_parameter", "products can hold at most 100 products")
    try:
        created, updated = call.fake.products.upsert_batch(
            products, update=bool(body.get("updateEnabled", False))
        )
    except ValueError as exc:
        return brevo_error(400, "invalid_parameter", str(exc))
    return JSONResponse({"createdCount": created, "updatedCount": updated}, status_code=201)


ROUTES = (BrevoRoute.of("POST", "/v3/products/batch", create_update_batch_products),)
