"""What a refetch does when the vendor no longer has the object: as much as Brevo allows.

- Contacts (Pipedrive persons, Shopify customers) leave the connector's lists and their ledger
  entry is forgotten; the contact itself stays (see `contact_path.withdraw` for why).
- Shopify products are sent once more with `isDeleted: true` through the product mapping and the
  `product.upsert` writer, so Brevo stops recommending them (Brevo has no product delete:
  https://developers.brevo.com/reference/create-update-batch-products). The product's name is
  required there, and the deletion webhook carries only the id, so it is read back from Brevo
  (`GET /v3/products/{id}`); a product Brevo never had needs nothing.
- Everything else (orders, carts, deals, organizations, activities, leads): Brevo keeps what it
  was sent (orders and events cannot be taken back; deals and companies stay, like contacts, with
  their history), and the ledger's content hashes for the object are forgotten, so the object is
  written again in full if the vendor restores it. Brevo's ids of deals and companies are kept,
  so a restored one updates the same Brevo record instead of creating a second one.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote

from sqlalchemy import update

from connectors.config import TajoConfig
from tasks import brevo_ops, contact_path, limits, refetch_path, streams
from tasks.models import LedgerEntry
from tasks.runtime import transaction

#: What a forgotten entry holds instead of a content hash: never equal to one, so the next write
#: of the object is sent (the column is required, and the row keeps Brevo's id).
FORGOTTEN: Final = ""


def withdraw(cfg: TajoConfig, connector: str, resource: str, object_id: str) -> dict[str, Any]:
    """Withdraw a vanished object; `status` says what was done (`withdrawn`, `retired`,
    `forgotten`, or `absent` when Brevo or the ledger had nothing of it)."""
    if (connector, resource) in streams.CONTACT_SPECS:
        present = contact_path.withdraw(cfg, connector, resource, object_id)
        return {"status": "withdrawn" if present else "absent"}
    if (connector, resource) == ("shopify", "products"):
        return retire_product(cfg, object_id)
    return {"status": "forgotten" if forget(connector, resource, object_id) else "absent"}


def retire_product(cfg: TajoConfig, object_id: str) -> dict[str, Any]:
    """Send the product Brevo holds again, marked deleted (ledger-checked like any write)."""
    held = brevo_product(cfg, object_id)
    name = held.get("name") if held is not None else None
    if held is None or not isinstance(name, str) or not name:
        forget("shopify", "products", object_id)
        return {"status": "absent"}
    if held.get("isDeleted") is True:
        return {"status": "unchanged"}
    # The mapping's own rule for a deleted product (`mapping.products`), on what is left of it.
    tombstone = {"id": object_id, "title": name, "deleted": True}
    written = refetch_path.map_and_write(cfg, "shopify", "products", object_id, tombstone)
    return {**written.as_json(), "status": "retired" if written.enqueued else written.status}


def brevo_product(cfg: TajoConfig, product_id: str) -> dict[str, Any] | None:
    """The product as Brevo holds it, None when Brevo has no product with this id."""
    settings = cfg.brevo
    api = brevo_ops.api(settings)
    path = f"/products/{quote(product_id, safe='')}"
    response = limits.metered(
        "brevo",
        settings.api_key,
        limits.brevo_other_bucket(settings),
        lambda: api.send("GET", path, "get_product"),
    )
    if response.status_code == 404:
        return None
    body = api.result(response, "get_product")
    return body if isinstance(body, dict) else None


def forget(connector: str, resource: str, object_id: str) -> int:
    """Forget the content hashes of the object's operations (keyed `...:<resource>:<id>`, as
    every mapping keys them by default); how many entries there were."""
    with transaction() as session:
        result = session.execute(
            update(LedgerEntry)
            .where(
                LedgerEntry.connector == connector,
                LedgerEntry.resource == resource,
                LedgerEntry.external_id.endswith(f":{resource}:{object_id}", autoescape=True),
            )
            .values(content_hash=FORGOTTEN)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
