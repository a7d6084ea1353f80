"""The Shopify client: pages of customers, orders, products and carts from the GraphQL Admin
API, full backfills through bulk operations, single-record refetches and a credential check.

The record shape every caller sees is documented in `connectors.shopify.records`: numeric
string ids, UTC timestamps, REST snake_case keys plus the GraphQL camelCase keys the
connector docs' mappings use, orders and carts with their `line_items`.

Incremental pages (`list_page`)
-------------------------------
`first`/`after` over the stream's connection with `sortKey: UPDATED_AT` and
`query: "updated_at:>='<since>'"`. The bound is inclusive and starts `overlap_seconds` before
the previous run's high-water mark: records sharing the mark's timestamp, or saved just before
it and indexed late by Shopify's search, are read again rather than skipped; the write ledger
drops the unchanged ones. Within a job the cursor is compound (see `connectors.shopify.cursors`):
Shopify's own position (which tie-breaks on the id) plus the last (updatedAt, id) read, so no
record sharing a timestamp is skipped and none is passed on twice across a page boundary.
`high_water` is the page's latest updatedAt. Abandoned checkouts cannot be sorted by update
time (ID order only), so a carts job reports its high-water mark on its last page only.
Orders and carts carry every line item: a page reads the first ten per order and fetches the
rest of any longer order with follow-up queries.

Backfills (`backfill_page`)
---------------------------
With no cursor, `bulkOperationRunQuery` starts an export of the whole stream (orders with
their line items as a child connection, `groupObjects` on) and the page is empty, its cursor
naming the operation. Later calls poll it: `NotReadyError` while it runs; once it completed,
each call streams the next `limit` top-level records of the JSONL result with an HTTP Range
request from the byte offset in the cursor, joining child lines to their parent, so memory
stays one page whatever the shop's size. The result URL is fetched without our token (it is
a signed storage URL); when it has expired, the operation is read again for a fresh one.

Rate limits: every query is announced to the request gate with its requested cost, and its
`throttleStatus` reported after; `Page.info` carries that status (never a secret). The client
never retries: Celery owns retries, and deferrals come from the errors it raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

import httpx

from connectors.core.errors import (
    ForbiddenError,
    NotReadyError,
    SyncError,
    VendorUnavailableError,
    VendorValidationError,
)
from connectors.core.http import (
    OPERATION_EXTENSION,
    PooledClient,
    build_client,
    error_for_status,
)
from connectors.core.paging import parse_timestamp
from connectors.core.records import Page, Record
from connectors.shopify import bulk
from connectors.shopify.cursors import BulkCursor, ListCursor, decode_bulk, decode_list
from connectors.shopify.graphql import VENDOR, GraphQL
from connectors.shopify.records import MALFORMED, gid, numeric_id, present
from connectors.shopify.settings import ShopifySettings
from connectors.shopify.signals import QueryCost
from connectors.shopify.streams import MAX_PAGE_SIZE, StreamSpec, stream_spec

#: Children fetched per follow-up query when an order has more line items than a page reads.
CHILD_PAGE_SIZE: Final = 100
#: Statuses of a bulk operation still on its way, and the ones that ended without a result.
BULK_RUNNING: Final = frozenset({"CREATED", "RUNNING"})
#: What a signed result URL answers once it has expired (GCS: 400 or 403; others 404/410).
EXPIRED_URL_STATUSES: Final = frozenset({400, 401, 403, 404, 410})
#: Largest page a backfill reads at once: a page is mapped and written as one task.
MAX_BACKFILL_PAGE: Final = 10_000

_PAGE_INFO = "pageInfo { hasNextPage endCursor }"
_BULK_FIELDS = "id status errorCode objectCount rootObjectCount fileSize url partialDataUrl query"


class BulkOperationError(SyncError):
    """A bulk export that ended without a result to read (canceled, expired): the backfill
    has to be started again (`backfill_page` with no cursor)."""

    category = "bulk_operation"


def _node_selection(spec: StreamSpec, child_first: int) -> str:
    if spec.child is None:
        return spec.fields
    child = spec.child
    return (
        f"{spec.fields} {child.field}(first: {child_first}) "
        f"{{ {_PAGE_INFO} nodes {{ {child.node_fields} }} }}"
    )


def list_document(spec: StreamSpec) -> str:
    """The query of one page of a stream."""
    return (
        f"query List{spec.node_type}s($first: Int!, $after: String, $query: String) {{ "
        f"{spec.connection}(first: $first, after: $after, query: $query, "
        f"sortKey: {spec.sort_key}) {{ {_PAGE_INFO} "
        f"nodes {{ {_node_selection(spec, spec.child.page_size if spec.child else 0)} }} }} }}"
    )


def get_document(spec: StreamSpec) -> str:
    """The query of one record by gid (through `node`, which every resource has)."""
    return (
        f"query Get{spec.node_type}($id: ID!) {{ node(id: $id) {{ __typename "
        f"... on {spec.node_type} {{ {_node_selection(spec, CHILD_PAGE_SIZE)} }} }} }}"
    )


def children_document(spec: StreamSpec) -> str:
    """The query of the next children of one node (an order's line items past the first)."""
    assert spec.child is not None
    child = spec.child
    return (
        f"query More{child.field}($id: ID!, $after: String) {{ node(id: $id) {{ "
        f"... on {spec.node_type} {{ {child.field}(first: {CHILD_PAGE_SIZE}, after: $after) "
        f"{{ {_PAGE_INFO} nodes {{ {child.node_fields} }} }} }} }} }}"
    )


RUN_BULK = (
    "mutation RunBulk($query: String!) { bulkOperationRunQuery(query: $query, "
    f"groupObjects: true) {{ bulkOperation {{ {_BULK_FIELDS} }} "
    "userErrors { code field message } } }"
)
CURRENT_BULK = f"query CurrentBulk {{ currentBulkOperation(type: QUERY) {{ {_BULK_FIELDS} }} }}"
GET_BULK = (
    f"query GetBulk($id: ID!) {{ node(id: $id) {{ ... on BulkOperation {{ {_BULK_FIELDS} }} }} }}"
)
SHOP_INFO = (
    "query ShopInfo { shop { name myshopifyDomain currencyCode ianaTimezone "
    "plan { displayName partnerDevelopment shopifyPlus } } "
    "currentAppInstallation { accessScopes { handle } } }"
)


def _object(value: object, what: str, operation: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise VendorUnavailableError(VENDOR, operation, f"{what} is not an object")
    return dict(value)


def _key(record: Mapping[str, Any]) -> tuple[datetime, int] | None:
    """A presented record's place in UPDATED_AT order, or None when it has no usable one."""
    when = parse_timestamp(record.get("updated_at"))
    record_id = record.get("id")
    if when is None or not isinstance(record_id, str) or not record_id.isdigit():
        return None
    return when, int(record_id)


def _after_cursor(record: Mapping[str, Any], state: ListCursor) -> bool:
    """False for a record at or before the last one the cursor read, in (updatedAt, id)
    order; a record without a usable key is always passed on (for the mapper to judge)."""
    seen = parse_timestamp(state.ts)
    key = _key(record)
    if seen is None or state.id is None or key is None:
        return True
    return key > (seen, state.id)


def _latest(records: list[Record], current: str | None = None) -> str | None:
    best = current
    best_when = parse_timestamp(current)
    for record in records:
        raw = record.get("updated_at")
        when = parse_timestamp(raw)
        if when is not None and isinstance(raw, str) and (best_when is None or when > best_when):
            best, best_when = raw, when
    return best


def _format(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class ShopifyClient(PooledClient):
    """Reads from one shop. Use as a context manager, or call `close()`."""

    def __init__(
        self, settings: ShopifySettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self._settings = settings
        self._graphql = GraphQL(settings, transport=transport)
        self._http = self._graphql._http
        # The result files live on a storage host: that client never carries our token.
        self._download = build_client(
            vendor=VENDOR,
            base_url="",
            auth=httpx.Auth(),
            timeout_seconds=settings.timeout_seconds,
            transport=transport,
        )

    @property
    def throttle_status(self) -> QueryCost | None:
        """The bucket as Shopify last described it (size, points left, restore rate)."""
        return self._graphql.last_cost

    def estimated_cost(self, resource: str, limit: int | None = None) -> int:
        """The requested cost of one `list_page` of `resource`: Shopify's own last figure,
        else the stream's estimate."""
        spec = stream_spec(resource)
        size = self._page_size(spec, limit)
        return self._graphql.cost_of(f"list_{resource}", spec.requested_cost(size))

    # -- incremental pages -------------------------------------------------------------------

    def list_page(
        self,
        resource: str,
        cursor: str | None,
        *,
        updated_since: str | None = None,
        limit: int | None = None,
    ) -> Page:
        """One page of `resource`, oldest change first; `next_cursor` None on the last page.

        `updated_since` (RFC 3339, inclusive) is the previous run's high-water mark; a cursor
        keeps the bound its job started with. `limit` defaults to the configured page size;
        either is lowered to the stream's largest page under Shopify's cost cap.
        """
        spec = stream_spec(resource)
        size = self._page_size(spec, limit)
        state = (
            decode_list(cursor) if cursor else ListCursor(since=self._lower_bound(updated_since))
        )
        operation = f"list_{resource}"
        search = f"{spec.search_field}:>='{state.since}'" if state.since else None
        variables: dict[str, Any] = {"first": size, "after": state.after, "query": search}
        data = self._graphql.execute(
            operation, list_document(spec), variables, estimate=spec.requested_cost(size)
        )
        connection = _object(data.get(spec.connection), f"`{spec.connection}`", operation)
        nodes = connection.get("nodes")
        if not isinstance(nodes, list):
            raise VendorUnavailableError(VENDOR, operation, "`nodes` is not a list")
        records = [present(resource, self._complete(spec, node)) for node in nodes]
        if spec.sorted_by_cursor_field:
            records = [r for r in records if _after_cursor(r, state)]
        page_info = _object(connection.get("pageInfo"), "`pageInfo`", operation)
        end = page_info.get("endCursor")
        more = page_info.get("hasNextPage") is True and isinstance(end, str) and bool(nodes)
        high = _latest(records, state.high if not spec.sorted_by_cursor_field else None)
        next_cursor: str | None = None
        if more:
            keyed = [k for k in (_key(r) for r in records) if k is not None]
            last = max(keyed) if keyed else None
            next_cursor = ListCursor(
                since=state.since,
                after=end,
                ts=_format(last[0]) if last else state.ts,
                id=last[1] if last else state.id,
                high=None if spec.sorted_by_cursor_field else high,
            ).encode()
        high_water = high if spec.sorted_by_cursor_field or not more else None
        return Page(
            records=records, next_cursor=next_cursor, high_water=high_water, info=self._info()
        )

    def _page_size(self, spec: StreamSpec, limit: int | None) -> int:
        """The `first` to ask for: the limit (else the configured page size), never above the
        stream's largest page under the cost cap: Shopify refuses a costlier query outright
        (MAX_COST_EXCEEDED), so 250 orders with their line items cannot be one page."""
        size = limit or self._settings.page_size or spec.page_size
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}")
        return min(size, spec.page_size)

    def _lower_bound(self, updated_since: str | None) -> str | None:
        if updated_since is None:
            return None
        when = parse_timestamp(updated_since)
        if when is None:
            raise ValueError("updated_since must be an RFC 3339 timestamp")
        return _format(when - timedelta(seconds=self._settings.overlap_seconds))

    def _complete(self, spec: StreamSpec, node: object) -> object:
        """The node with every child: follow-up queries past the first page of children."""
        child = spec.child
        if child is None or not isinstance(node, dict):
            return node
        connection = node.get(child.field)
        node_id = node.get("id")
        if not isinstance(connection, dict) or not isinstance(node_id, str):
            return node
        children = connection.get("nodes")
        info = connection.get("pageInfo")
        operation = f"more_{child.key}"
        while (
            isinstance(children, list)
            and isinstance(info, Mapping)
            and info.get("hasNextPage") is True
            and isinstance(info.get("endCursor"), str)
        ):
            data = self._graphql.execute(
                operation,
                children_document(spec),
                {"id": node_id, "after": info["endCursor"]},
                estimate=2 + CHILD_PAGE_SIZE * child.node_cost,
            )
            found = _object(data.get("node"), "`node`", operation).get(child.field)
            more = _object(found, f"`{child.field}`", operation)
            extra = more.get("nodes")
            if not isinstance(extra, list):
                raise VendorUnavailableError(VENDOR, operation, "`nodes` is not a list")
            children = [*children, *extra]
            info = more.get("pageInfo")
        return {**node, child.field: {"nodes": children}}

    # -- single records ----------------------------------------------------------------------

    def get_record(self, resource: str, object_id: str) -> Record | None:
        """One record, presented like `list_page` presents it; None when Shopify has no such
        record any more (deleted, or a checkout that was purged)."""
        spec = stream_spec(resource)
        number = numeric_id(object_id)
        if number is None:
            raise ValueError("object_id must be a numeric Shopify id (or its gid)")
        operation = f"get_{resource}"
        data = self._graphql.execute(
            operation,
            get_document(spec),
            {"id": gid(spec.node_type, number)},
            estimate=spec.requested_cost(1),
        )
        node = data.get("node")
        if node is None:
            return None
        node = _object(node, "`node`", operation)
        if node.get("__typename") not in (None, spec.node_type):
            return None
        node.pop("__typename", None)
        return present(resource, self._complete(spec, node))

    def shop_info(self) -> dict[str, Any]:
        """The shop's name, domain, plan and the scopes granted to our token: a credential
        smoke test (`tajo connectors connect shopify`)."""
        operation = "shop_info"
        data = self._graphql.execute(operation, SHOP_INFO, estimate=2)
        shop = _object(data.get("shop"), "`shop`", operation)
        installation = data.get("currentAppInstallation")
        scopes = installation.get("accessScopes") if isinstance(installation, Mapping) else None
        raw_plan = shop.get("plan")
        plan: Mapping[str, Any] = raw_plan if isinstance(raw_plan, Mapping) else {}
        return {
            "name": shop.get("name"),
            "domain": shop.get("myshopifyDomain"),
            "currency": shop.get("currencyCode"),
            "timezone": shop.get("ianaTimezone"),
            "plan": plan.get("displayName"),
            "shopify_plus": plan.get("shopifyPlus"),
            "scopes": sorted(
                s["handle"]
                for s in (scopes if isinstance(scopes, list) else [])
                if isinstance(s, Mapping) and isinstance(s.get("handle"), str)
            ),
        }

    # -- bulk backfills ----------------------------------------------------------------------

    def backfill_page(self, resource: str, cursor: str | None, *, limit: int = 1000) -> Page:
        """One page of a full backfill through a bulk export (see the module docstring)."""
        if not 1 <= limit <= MAX_BACKFILL_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_BACKFILL_PAGE}")
        spec = stream_spec(resource)
        if cursor is None:
            operation = self._start_bulk(spec)
            return Page(
                records=[],
                next_cursor=BulkCursor(op=operation["id"]).encode(),
                info={"bulk_operation": _bulk_facts(operation), **self._info()},
            )
        state = decode_bulk(cursor)
        operation = self._bulk_operation(resource, state.op)
        status = operation.get("status")
        if status in BULK_RUNNING:
            raise NotReadyError(
                VENDOR,
                f"backfill_{resource}",
                f"bulk operation {state.op} is {status} "
                f"({operation.get('objectCount') or 0} objects so far)",
                wait_seconds=self._settings.bulk_poll_seconds,
            )
        if status != "COMPLETED":
            raise _ended(resource, state.op, operation)
        start = max(0, state.offset)
        url = operation.get("url")
        if not isinstance(url, str) or not url:
            # A completed export of nothing has no file at all.
            return Page(records=[], next_cursor=None, info=self._bulk_info(operation))
        result = self._read_result(resource, spec, state.op, url, start, limit)
        records: list[Record] = []
        for raw in result.records:
            if bulk.MALFORMED_KEY in raw:
                records.append({"id": None, MALFORMED: raw[bulk.MALFORMED_KEY]})
            else:
                records.append(present(resource, raw))
        next_cursor = (
            None
            if result.next_offset is None
            else BulkCursor(op=state.op, offset=result.next_offset).encode()
        )
        info = self._bulk_info(operation)
        info["bulk_result"] = {
            "offset": start,
            "next_offset": result.next_offset,
            "orphan_children": result.orphans,
            "malformed_lines": result.malformed,
        }
        return Page(
            records=records, next_cursor=next_cursor, high_water=_latest(records), info=info
        )

    def _start_bulk(self, spec: StreamSpec) -> dict[str, Any]:
        """Start the export; when Shopify is already running *this* export (our earlier call
        whose answer was lost), carry on with it. Another export in progress means wait:
        Shopify runs one bulk query per app and shop at a time."""
        name = f"backfill_{spec.resource}"
        query = bulk.bulk_query(spec)
        data = self._graphql.execute(name, RUN_BULK, {"query": query}, estimate=10)
        payload = _object(data.get("bulkOperationRunQuery"), "`bulkOperationRunQuery`", name)
        errors = payload.get("userErrors")
        if isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], Mapping) else {}
            code, message = first.get("code"), str(first.get("message") or "")[:300]
            if code == "OPERATION_IN_PROGRESS":
                current = self._current_bulk(name)
                if current is not None and current.get("query") == query:
                    return current
                running = current.get("id") if current else "another export"
                raise NotReadyError(
                    VENDOR,
                    name,
                    f"{running} is still running; Shopify runs one bulk query at a time",
                    wait_seconds=self._settings.bulk_poll_seconds,
                )
            raise VendorValidationError(
                VENDOR, name, f"{code or 'user error'}: {message}", code=str(code or "user_error")
            )
        operation = _object(payload.get("bulkOperation"), "`bulkOperation`", name)
        if not isinstance(operation.get("id"), str):
            raise VendorUnavailableError(VENDOR, name, "the bulk operation has no id")
        return operation

    def _current_bulk(self, name: str) -> dict[str, Any] | None:
        data = self._graphql.execute(name, CURRENT_BULK, estimate=1)
        current = data.get("currentBulkOperation")
        return None if current is None else _object(current, "`currentBulkOperation`", name)

    def _bulk_operation(self, resource: str, operation_id: str) -> dict[str, Any]:
        name = f"backfill_{resource}"
        data = self._graphql.execute(name, GET_BULK, {"id": operation_id}, estimate=1)
        node = data.get("node")
        if not isinstance(node, Mapping) or node.get("id") != operation_id:
            raise BulkOperationError(
                VENDOR, name, f"bulk operation {operation_id} no longer exists; start again"
            )
        return dict(node)

    def _read_result(
        self,
        resource: str,
        spec: StreamSpec,
        operation_id: str,
        url: str,
        start: int,
        limit: int,
    ) -> bulk.ResultPage:
        """Stream the page from the JSONL file; a URL that has expired is fetched once more
        from the operation (Shopify signs a fresh one)."""
        child = spec.child.field if spec.child else None
        name = f"backfill_{resource}"
        for attempt in (1, 2):
            try:
                return self._stream_result(name, url, start, limit, child)
            except _ExpiredURL:
                if attempt == 2:
                    break
                operation = self._bulk_operation(resource, operation_id)
                fresh = operation.get("url")
                if operation.get("status") != "COMPLETED" or not isinstance(fresh, str):
                    raise _ended(resource, operation_id, operation) from None
                url = fresh
        raise BulkOperationError(
            VENDOR, name, f"the result of {operation_id} cannot be downloaded any more; start again"
        )

    def _stream_result(
        self, name: str, url: str, start: int, limit: int, child: str | None
    ) -> bulk.ResultPage:
        headers = {"range": f"bytes={start}-"} if start else {}
        try:
            with self._download.stream(
                "GET", url, headers=headers, extensions={OPERATION_EXTENSION: name}
            ) as response:
                if response.status_code == 416:
                    return bulk.ResultPage()  # the offset is the end of the file
                if response.status_code in EXPIRED_URL_STATUSES:
                    raise _ExpiredURL()
                if response.status_code >= 300:
                    response.read()
                error = error_for_status(response, vendor=VENDOR, operation=name)
                if error is not None:
                    raise error
                chunks = response.iter_bytes()
                if start and response.status_code == 200:
                    chunks = _skip(chunks, start)  # the server ignored the Range header
                return bulk.read_page(chunks, start=start, limit=limit, child_field=child)
        except httpx.HTTPError as exc:
            raise VendorUnavailableError(
                VENDOR, name, f"{type(exc).__name__}: the download did not complete"
            ) from exc

    # -- plumbing ----------------------------------------------------------------------------

    def _info(self) -> dict[str, Any]:
        return self._graphql.info()

    def _bulk_info(self, operation: Mapping[str, Any]) -> dict[str, Any]:
        return {"bulk_operation": _bulk_facts(operation), **self._info()}

    def close(self) -> None:
        self._download.close()
        self._graphql.close()

    def __repr__(self) -> str:
        return f"ShopifyClient(base_url={self._settings.effective_base_url!r})"


class _ExpiredURL(Exception):
    """The signed result URL was refused: ask the operation for a fresh one."""


def _bulk_facts(operation: Mapping[str, Any]) -> dict[str, Any]:
    """What a page may say about the export: never its URL (it is a signed credential)."""
    return {
        key: operation.get(key)
        for key in ("id", "status", "errorCode", "objectCount", "rootObjectCount", "fileSize")
        if operation.get(key) is not None
    }


def _ended(resource: str, operation_id: str, operation: Mapping[str, Any]) -> SyncError:
    """The error for an export that ended without a readable result."""
    name = f"backfill_{resource}"
    status = operation.get("status")
    code = operation.get("errorCode")
    if status == "FAILED":
        detail = f"bulk operation {operation_id} failed ({code or 'no error code'})"
        if code == "ACCESS_DENIED":
            return ForbiddenError(VENDOR, name, detail + ": a scope the query needs is missing")
        return VendorUnavailableError(VENDOR, name, detail)
    return BulkOperationError(
        VENDOR, name, f"bulk operation {operation_id} is {status}; start the backfill again"
    )


def _skip(chunks: Iterator[bytes], count: int) -> Iterator[bytes]:
    """The byte stream past its first `count` bytes."""
    for chunk in chunks:
        if count >= len(chunk):
            count -= len(chunk)
            continue
        yield chunk[count:]
        count = 0
