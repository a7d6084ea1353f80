"""Handler of POST /v3/orders/status/batch: 202 `{"batchId", "count"}` (spec `createdBatchId`).

`historical` defaults to true (the spec's default: past orders trigger no workflow).
"""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from sandbox.brevo.routing import BrevoCall, BrevoRoute


def create_batch_orders(call: BrevoCall) -> Response:
    body = call.json_object()
    orders = list(body["orders"])
    batch_id = call.fake.orders.record_batch(orders, historical=bool(body.get("historical", True)))
    return JSONResponse({"batchId": batch_id, "count": len(orders)}, status_code=202)


ROUTES = (BrevoRoute.of("POST", "/v3/orders/status/batch", create_batch_orders),)
