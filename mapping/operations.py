"""What a mapper emits: Brevo operations that travel as JSON (Celery task arguments).

An operation carries mapped data and ids only, never credentials, and round-trips through JSON
exactly: `ContactUpsert.from_json(op.to_json()) == op`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NotRequired, TypedDict

from mapping.values import AttributeValue


class ContactUpsertJson(TypedDict):
    """The wire shape of a `ContactUpsert`."""

    op: Literal["contact.upsert"]
    ext_id: str
    source_id: str
    email: str | None
    attributes: dict[str, AttributeValue]
    list_ids: list[int]
    unlink_list_ids: NotRequired[list[int]]
    email_blacklisted: NotRequired[bool]
    sms_blacklisted: NotRequired[bool]


@dataclass(frozen=True, slots=True)
class ContactUpsert:
    """Create or update one Brevo contact, keyed by `ext_id` (`<vendor>:<resource>:<id>`).

    `email` is the normalised email identifier or None; the phone identifier, when there is one,
    is the `SMS` entry of `attributes`. `list_ids` are the Brevo lists to add the contact to.
    """

    OP: ClassVar[Literal["contact.upsert"]] = "contact.upsert"

    ext_id: str
    source_id: str
    email: str | None
    # Excluded from hashing only because dicts are unhashable; still compared for equality.
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict, hash=False)
    list_ids: tuple[int, ...] = ()
    #: lists to take the contact out of (Brevo's `unlinkListIds`)
    unlink_list_ids: tuple[int, ...] = ()
    #: Brevo's blocklist flags; only ever True (a sync never re-subscribes), None to leave as is
    email_blacklisted: bool | None = None
    sms_blacklisted: bool | None = None

    def to_json(self) -> ContactUpsertJson:
        data: ContactUpsertJson = {
            "op": self.OP,
            "ext_id": self.ext_id,
            "source_id": self.source_id,
            "email": self.email,
            "attributes": {
                k: list(v) if isinstance(v, list) else v for k, v in self.attributes.items()
            },
            "list_ids": list(self.list_ids),
        }
        # Optional keys only when set, so operations (and their hashes) without them stay as
        # they were before these keys existed.
        if self.unlink_list_ids:
            data["unlink_list_ids"] = list(self.unlink_list_ids)
        if self.email_blacklisted is not None:
            data["email_blacklisted"] = self.email_blacklisted
        if self.sms_blacklisted is not None:
            data["sms_blacklisted"] = self.sms_blacklisted
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContactUpsert:
        """Rebuild an operation from its JSON shape; `ValueError` if it is not one."""
        if not isinstance(data, Mapping) or data.get("op") != cls.OP:
            raise ValueError(f"not a {cls.OP} operation")
        ext_id, source_id, email = data.get("ext_id"), data.get("source_id"), data.get("email")
        attributes, list_ids = data.get("attributes"), data.get("list_ids")
        if not isinstance(ext_id, str) or not isinstance(source_id, str):
            raise ValueError(f"{cls.OP}: ext_id and source_id must be strings")
        if email is not None and not isinstance(email, str):
            raise ValueError(f"{cls.OP}: email must be a string or null")
        if not isinstance(attributes, Mapping) or not all(
            isinstance(key, str) and _is_attribute_value(value) for key, value in attributes.items()
        ):
            raise ValueError(f"{cls.OP}: attributes must map names to scalar values")
        unlink = data.get("unlink_list_ids", [])
        if not _is_id_list(list_ids) or not _is_id_list(unlink):
            raise ValueError(f"{cls.OP}: list_ids must be a list of integers")
        flags = data.get("email_blacklisted"), data.get("sms_blacklisted")
        if any(flag is not None and not isinstance(flag, bool) for flag in flags):
            raise ValueError(f"{cls.OP}: blocklist flags must be booleans")
        return cls(
            ext_id=ext_id,
            source_id=source_id,
            email=email,
            attributes=dict(attributes),
            list_ids=tuple(list_ids or ()),
            unlink_list_ids=tuple(unlink),
            email_blacklisted=flags[0],
            sms_blacklisted=flags[1],
        )


def _is_attribute_value(value: object) -> bool:
    if isinstance(value, list):
        return all(isinstance(item, str) for item in value)
    return isinstance(value, str | int | float | bool)


def _is_id_list(value: object) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, int) and not isinstance(item, bool) for item in value
    )


#: Every operation kind a mapper can emit besides `contact.upsert`.
OperationKind = Literal[
    "contact.blocklist",
    "list.add",
    "list.remove",
    "event.track",
    "company.upsert",
    "deal.upsert",
    "object.upsert",
    "order.upsert",
    "product.upsert",
]
OPERATION_KINDS: frozenset[str] = frozenset(OperationKind.__args__)  # type: ignore[attr-defined]


class BrevoOperationJson(TypedDict):
    """The wire shape of a `BrevoOperation`."""

    op: OperationKind
    key: str
    source_id: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BrevoOperation:
    """One Brevo write other than a contact upsert, in Brevo's own field names.

    `key` is the stable identity the write ledger keys on (e.g. `pipedrive:deals:42`, or
    `list:61:pipedrive:persons:7`), so a redelivered page writes it once. Adding a contact to a
    list and taking it out again share one key (the membership), so the ledger holds the last
    state written and an add after a remove is never skipped as unchanged. `body` is one item
    of the Brevo request for that kind, exactly as Brevo takes it:

    - `contact.blocklist`: `{"identifier": {"email"|"ext_id"|"sms": str}, "emailBlacklisted"?: true,
      "smsBlacklisted"?: true}` (only ever true: a sync never lifts a blocklist on its own)
    - `list.add` / `list.remove`: `{"listId": int, "identifier": {"email"|"ext_id": str}}`; the
      writer groups items by list and identifier type into calls of at most 150
    - `event.track`: one event of `POST /v3/events`: `{"event_name", "identifiers":
      {"email_id"|"ext_id"|"phone_id": str}, "event_date"?: ISO-8601, "event_properties"?: {},
      "contact_properties"?: {}}`
    - `company.upsert` / `deal.upsert`: `{"ext_id": str, "name": str, "attributes": {}}`; Brevo has
      no external id for these, so the writer keeps ext_id -> Brevo id in the write ledger
    - `object.upsert`: `{"object_type": str, "identifiers": {"ext_id": str}, "attributes": {}}`
    - `order.upsert`: one item of `orders` in `POST /v3/orders/status/batch` (`id`, `createdAt`,
      `updatedAt`, `status`, `amount`, `products`, `identifiers`...)
    - `product.upsert`: one item of `products` in `POST /v3/products/batch` (`id`, `name`, `url`?,
      `imageUrl`?, `sku`?, `price`?, `metaInfo`?, `isDeleted`?)
    """

    op: OperationKind
    key: str
    source_id: str
    # Excluded from hashing only because dicts are unhashable; still compared for equality.
    body: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def to_json(self) -> BrevoOperationJson:
        return {
            "op": self.op,
            "key": self.key,
            "source_id": self.source_id,
            "body": dict(self.body),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BrevoOperation:
        """Rebuild an operation from its JSON shape; `ValueError` if it is not one."""
        if not isinstance(data, Mapping) or data.get("op") not in OPERATION_KINDS:
            raise ValueError("not a Brevo operation of a known kind")
        op, key, source_id, body = (
            data["op"],
            data.get("key"),
            data.get("source_id"),
            data.get("body"),
        )
        if not isinstance(key, str) or not key or not isinstance(source_id, str):
            raise ValueError(f"{op}: key and source_id must be strings")
        if not isinstance(body, Mapping):
            raise ValueError(f"{op}: body must be an object")
        return cls(op=op, key=key, source_id=source_id, body=dict(body))


#: Everything a mapper emits.
Operation = ContactUpsert | BrevoOperation
