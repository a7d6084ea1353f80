"""Person, deal and organization fields: Pipedrive's standard ones plus the account's custom ones.

Custom fields are keyed by a 40-hex-character hash that differs per account, so the key is
derived from the seed: code that hard-codes a key instead of resolving it through
`/v1/personFields` breaks when the seed changes, as it would against a second real account.
https://pipedrive.readme.io/docs/core-api-concepts-custom-fields
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.timeline import BASE_START_EPOCH

LEAD_SOURCE_OPTIONS: tuple[tuple[int, str], ...] = (
    (17, "Website"),
    (18, "Referral"),
    (19, "Trade show"),
    (20, "Cold call"),
    (21, "Partner"),
)
INDUSTRIES = ("Retail", "Software", "Logistics", "Hospitality", "Manufacturing", "Éducation")
COMPANY_SIZES = (1.0, 10.0, 50.0, 250.0, 1000.0)


@dataclass(frozen=True)
class CustomField:
    key: str
    name: str
    field_type: str
    options: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class CustomPersonFields:
    lead_source: CustomField
    industry: CustomField
    company_size: CustomField

    def all(self) -> tuple[CustomField, ...]:
        return (self.lead_source, self.industry, self.company_size)


def custom_person_fields(seed: int) -> CustomPersonFields:
    return CustomPersonFields(
        lead_source=CustomField(
            _field_key(seed, "lead_source"), "Lead source", "enum", LEAD_SOURCE_OPTIONS
        ),
        industry=CustomField(_field_key(seed, "industry"), "Industry", "varchar"),
        company_size=CustomField(_field_key(seed, "company_size"), "Company size", "double"),
    )


def _field_key(seed: int, name: str) -> str:
    return hashlib.blake2b(f"sandbox:{seed}:{name}".encode(), digest_size=20).hexdigest()


#: (key, name, field_type) of the standard person fields, in Pipedrive's order.
_STANDARD_PERSON_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "ID", "int"),
    ("name", "Name", "varchar"),
    ("label_ids", "Labels", "set"),
    ("first_name", "First name", "varchar"),
    ("last_name", "Last name", "varchar"),
    ("phone", "Phone", "phone"),
    ("email", "Email", "varchar"),
    ("org_id", "Organization", "org"),
    ("owner_id", "Owner", "user"),
    ("visible_to", "Visible to", "visible_to"),
    ("add_time", "Person created", "date"),
    ("update_time", "Update time", "date"),
)


_STANDARD_DEAL_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "ID", "int"),
    ("title", "Title", "varchar"),
    ("creator_user_id", "Creator", "user"),
    ("owner_id", "Owner", "user"),
    ("value", "Value", "monetary"),
    ("currency", "Currency", "varchar_options"),
    ("person_id", "Contact person", "people"),
    ("org_id", "Organization", "org"),
    ("pipeline_id", "Pipeline", "double"),
    ("stage_id", "Stage", "stage"),
    ("status", "Status", "status"),
    ("add_time", "Deal created", "date"),
    ("update_time", "Update time", "date"),
    ("close_time", "Deal closed on", "date"),
    ("won_time", "Won time", "date"),
    ("lost_time", "Lost time", "date"),
    ("lost_reason", "Lost reason", "varchar_options"),
    ("expected_close_date", "Expected close date", "date"),
    ("label_ids", "Label", "set"),
)
_STANDARD_ORGANIZATION_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("id", "ID", "int"),
    ("name", "Name", "varchar"),
    ("label_ids", "Labels", "set"),
    ("owner_id", "Owner", "user"),
    ("address", "Address", "address"),
    ("visible_to", "Visible to", "visible_to"),
    ("add_time", "Organization created", "date"),
    ("update_time", "Update time", "date"),
)
DEAL_SOURCE_OPTIONS: tuple[tuple[int, str], ...] = (
    (31, "Inbound"),
    (32, "Outbound"),
    (33, "Event"),
)


def custom_deal_fields(seed: int) -> tuple[CustomField, ...]:
    return (
        CustomField(_field_key(seed, "deal_source"), "Deal source", "enum", DEAL_SOURCE_OPTIONS),
        CustomField(_field_key(seed, "contract_months"), "Contract months", "double"),
    )


def custom_organization_fields(seed: int) -> tuple[CustomField, ...]:
    return (CustomField(_field_key(seed, "segment"), "Segment", "varchar"),)


def person_field_definitions(custom: CustomPersonFields) -> list[dict[str, Any]]:
    """The `data` items of `GET /v1/personFields`, standard fields first."""
    return field_definitions(_STANDARD_PERSON_FIELDS, custom.all())


def deal_field_definitions(custom: tuple[CustomField, ...]) -> list[dict[str, Any]]:
    """The `data` items of `GET /v1/dealFields`."""
    return field_definitions(_STANDARD_DEAL_FIELDS, custom)


def organization_field_definitions(custom: tuple[CustomField, ...]) -> list[dict[str, Any]]:
    """The `data` items of `GET /v1/organizationFields`."""
    return field_definitions(_STANDARD_ORGANIZATION_FIELDS, custom)


def field_definitions(
    standard: tuple[tuple[str, str, str], ...], custom: tuple[CustomField, ...]
) -> list[dict[str, Any]]:
    created = to_rfc3339(BASE_START_EPOCH).replace("T", " ").removesuffix("Z")
    definitions: list[dict[str, Any]] = []
    for order, (key, name, field_type) in enumerate(standard, start=1):
        definitions.append(_definition(order, key, name, field_type, created, edit_flag=False))
    for order, field in enumerate(custom, start=len(definitions) + 1):
        definition = _definition(order, field.key, field.name, field.field_type, created, True)
        if field.options:
            definition["options"] = [{"id": i, "label": label} for i, label in field.options]
        definitions.append(definition)
    return definitions


def _definition(
    order: int, key: str, name: str, field_type: str, created: str, edit_flag: bool
) -> dict[str, Any]:
    # v1 field metadata writes times as "YYYY-MM-DD HH:MM:SS", unlike the v2 records.
    return {
        "id": 9000 + order,
        "key": key,
        "name": name,
        "order_nr": order,
        "field_type": field_type,
        "add_time": created,
        "update_time": created,
        "last_updated_by_user_id": None,
        "active_flag": True,
        "edit_flag": edit_flag,
        "index_visible_flag": True,
        "details_visible_flag": True,
        "add_visible_flag": True,
        "important_flag": False,
        "bulk_edit_allowed": True,
        "searchable_flag": key in {"name", "email", "phone"},
        "filtering_allowed": True,
        "sortable_flag": True,
        "mandatory_flag": key == "name",
    }
