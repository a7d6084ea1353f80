"""Handlers of POST /v3/products/batch: 201 `{"createdCount", "updatedCount"}` (spec
`createUpdateBatchProductsModel`); over 100 products, or a repeated id, is a 400 as Brevo says.
GET /v3/products/{id}: the product as the spec's `getProductDetails`, 404 for an unknown id."""

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


def get_product_info(call: BrevoCall) -> Response:
    product = call.fake.products.details(call.path_params["id"])
    if product is None:
        return brevo_error(404, "document_not_found", "Product does not exist")
    # The spec's required fields Brevo fills in itself (image thumbnails we never send).
    details = {"s3ThumbAnalytics": "", "s3ThumbEditor": "", **product}
    return JSONResponse(details)


# The literal /batch before the /{id} template.
ROUTES = (
    BrevoRoute.of("POST", "/v3/products/batch", create_update_batch_products),
    BrevoRoute.of("GET", "/v3/products/{id}", get_product_info),
)
