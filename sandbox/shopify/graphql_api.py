"""One GraphQL request, end to end: parse, validate, cost, bucket, execute, refund.

Every answer carries `extensions.cost`. A query whose requested cost does not fit in the
bucket is not run: HTTP 200 with `errors: [{message: "Throttled", extensions: {code:
"THROTTLED"}}]`, as Shopify answers. Validation errors use graphql-ruby's wording (Shopify's
server), e.g. "Field 'foo' doesn't exist on type 'Customer'".
https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits
"""

from __future__ import annotations

import re
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    execute,
    get_operation_ast,
    parse,
    validate,
)

from sandbox.shopify.cost import MAX_SINGLE_QUERY_COST, CostModel
from sandbox.shopify.fake import ShopifyFake
from sandbox.shopify.gids import parse_gid
from sandbox.shopify.nested import Info, NestedList
from sandbox.shopify.resolvers import RequestContext, query_resolvers

RATE_LIMIT_DOCS = "https://shopify.dev/api/usage/rate-limits"
UNDEFINED_FIELD = re.compile(r"Cannot query field '(\w+)' on type '(\w+)'\.")


def throttled_body(requested: int, status: dict[str, float]) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": RATE_LIMIT_DOCS},
            }
        ],
        "extensions": {"cost": _cost(requested, None, status)},
    }


def _cost(requested: int, actual: int | None, status: dict[str, float]) -> dict[str, Any]:
    return {"requestedQueryCost": requested, "actualQueryCost": actual, "throttleStatus": status}


def _error_json(error: GraphQLError) -> dict[str, Any]:
    body = error.formatted
    match = UNDEFINED_FIELD.fullmatch(error.message)
    if match:
        field_name, type_name = match.groups()
        body["message"] = f"Field '{field_name}' doesn't exist on type '{type_name}'"
        body["extensions"] = {
            "code": "undefinedField",
            "typeName": type_name,
            "fieldName": field_name,
        }
    return dict(body)


def run_graphql(
    fake: ShopifyFake,
    token: str,
    payload: dict[str, Any],
    context: RequestContext,
    force_throttle: bool,
) -> dict[str, Any]:
    """The response body for one request (the HTTP status is always 200 here); a query
    refused before it ran (syntax, validation, too expensive) costs nothing but still says
    where the bucket stands."""
    body = _answer(fake, token, payload, context, force_throttle)
    if "extensions" not in body:
        requested = body.pop("_requested", 0)
        status = fake.bucket.status(token).as_json()
        body["extensions"] = {"cost": _cost(requested, 0, status)}
    return body


def _answer(
    fake: ShopifyFake,
    token: str,
    payload: dict[str, Any],
    context: RequestContext,
    force_throttle: bool,
) -> dict[str, Any]:
    query = payload.get("query")
    variables = payload.get("variables") or {}
    if not isinstance(query, str) or not isinstance(variables, dict):
        return {"errors": [{"message": "No query string was present"}]}
    try:
        document = parse(query)
    except GraphQLError as exc:
        return {"errors": [_error_json(exc)]}
    errors = validate(fake.schema, document)
    if errors:
        return {"errors": [_error_json(e) for e in errors]}
    operation = get_operation_ast(document, payload.get("operationName"))
    if operation is None:
        return {"errors": [{"message": "An operation name is required"}]}
    model = CostModel(fake.schema, operation, _fragments(document), variables)
    requested = model.requested()
    if requested > MAX_SINGLE_QUERY_COST:
        return _too_expensive(requested)
    fake.counters.requests += 1
    if force_throttle:
        fake.counters.throttled += 1
        return throttled_body(requested, fake.bucket.status(token).as_json())
    spend = fake.bucket.spend(token, requested)
    if not spend.allowed:
        fake.counters.throttled += 1
        return throttled_body(requested, spend.status.as_json())
    result = _execute(fake, document, operation, variables, context, payload)
    actual = min(requested, model.actual(result.data))
    status = fake.bucket.refund(token, requested - actual)
    fake.counters.points_spent += actual
    body: dict[str, Any] = {}
    if result.errors:
        body["errors"] = [_error_json(e) for e in result.errors]
    body["data"] = result.data
    extensions: dict[str, Any] = {"cost": _cost(requested, actual, status.as_json())}
    if context.search_warnings:
        extensions["search"] = context.search_warnings
    body["extensions"] = extensions
    return body


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def _too_expensive(requested: int) -> dict[str, Any]:
    message = (
        f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({MAX_SINGLE_QUERY_COST}).\n\nSee {RATE_LIMIT_DOCS} for more information on how the "
        "cost of a query is calculated.\n\nTo query larger amounts of data with fewer limits, "
        "bulk operations should be used instead.\nSee "
        "https://shopify.dev/docs/api/usage/bulk-operations/queries for usage details.\n"
    )
    return {
        "_requested": requested,
        "errors": [
            {
                "message": message,
                "extensions": {
                    "code": "MAX_COST_EXCEEDED",
                    "cost": requested,
                    "maxCost": MAX_SINGLE_QUERY_COST,
                    "documentation": RATE_LIMIT_DOCS,
                },
            }
        ],
    }


def _execute(
    fake: ShopifyFake,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    context: RequestContext,
    payload: dict[str, Any],
) -> ExecutionResult:
    if operation.operation.value == "query":
        root = {**query_resolvers(), **_bulk_and_webhook_queries(fake)}
    else:
        root = _mutations(fake)
    result = execute(
        fake.schema,
        document,
        root_value=root,
        context_value=context,
        variable_values=variables,
        operation_name=payload.get("operationName"),
        field_resolver=_field_resolver,
    )
    assert isinstance(result, ExecutionResult)
    return result


def _field_resolver(source: Any, info: Info, **args: Any) -> Any:
    """Root fields call their resolver; below, a dict's value (called if it is lazy)."""
    value = source.get(info.field_name) if isinstance(source, dict) else None
    if not callable(value):
        return value
    if info.path.prev is None:
        return value(source, info, **args)
    return value(info, **args)


def _mutations(fake: ShopifyFake) -> dict[str, Any]:
    def run_bulk(_: Any, info: Info, query: str, **__: Any) -> dict[str, Any]:
        context: RequestContext = info.context
        operation, errors = fake.bulk.run(query, fake.snapshot(), context.base_url)
        return {
            "bulkOperation": None if operation is None else fake.bulk.describe(operation),
            "userErrors": errors,
        }

    def cancel_bulk(_: Any, info: Info, id: str) -> dict[str, Any]:
        parsed = parse_gid(id)
        if parsed is None or parsed[0] != "BulkOperation":
            return {
                "bulkOperation": None,
                "userErrors": [{"field": ["id"], "message": "Invalid id"}],
            }
        operation, errors = fake.bulk.cancel(parsed[1])
        described = None if operation is None else fake.bulk.describe(operation)
        return {"bulkOperation": described, "userErrors": errors}

    def create_webhook(
        _: Any, info: Info, topic: str, webhookSubscription: dict[str, Any]
    ) -> dict[str, Any]:
        subscription, errors = fake.webhooks.create(
            topic, webhookSubscription.get("callbackUrl"), webhookSubscription.get("format")
        )
        return {
            "webhookSubscription": None if subscription is None else subscription.graphql(),
            "userErrors": errors,
        }

    def delete_webhook(_: Any, info: Info, id: str) -> dict[str, Any]:
        parsed = parse_gid(id)
        if (
            parsed is not None
            and parsed[0] == "WebhookSubscription"
            and fake.webhooks.delete(parsed[1])
        ):
            return {"deletedWebhookSubscriptionId": id, "userErrors": []}
        message = "Webhook subscription does not exist"
        return {
            "deletedWebhookSubscriptionId": None,
            "userErrors": [{"field": ["id"], "message": message}],
        }

    return {
        "bulkOperationRunQuery": run_bulk,
        "bulkOperationCancel": cancel_bulk,
        "webhookSubscriptionCreate": create_webhook,
        "webhookSubscriptionDelete": delete_webhook,
    }


def _bulk_and_webhook_queries(fake: ShopifyFake) -> dict[str, Any]:
    """Root query fields whose data is not shop records: bulk operations and subscriptions."""

    def current_bulk(_: Any, info: Info, **__: Any) -> dict[str, Any] | None:
        operation = fake.bulk.current()
        return None if operation is None else fake.bulk.describe(operation)

    def subscriptions(_: Any, info: Info, **args: Any) -> dict[str, Any]:
        found = [s.graphql() for s in fake.webhooks.subscriptions(args.get("topics"))]
        paging = {
            k: v for k, v in args.items() if k in ("first", "last", "after", "before", "reverse")
        }
        return NestedList(found)(info, **paging)

    return {"currentBulkOperation": current_bulk, "webhookSubscriptions": subscriptions}
