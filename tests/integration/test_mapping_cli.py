"""`tajo mapping preview` and `tajo config check` on mapping specs, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parents[1] / "fixtures" / "config-examples"
ENV = {**os.environ, "SHOPIFY_API_KEY": "k", "SHOPIFY_API_SECRET": "s"}


def tajo(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
        check=False,
    )


def test_preview_prints_operations_and_dead_letters_for_shopify_customers(tmp_path: Path) -> None:
    records = [
        {"id": 1, "email": "Ana@Example.com", "first_name": "Ana", "total_spent": "12.50"},
        {"id": 2, "email": "nope", "first_name": "Bo"},
        "not a record",
    ]
    result = tajo(
        "mapping", "preview", "shopify", "customers",
        "--input", "-", "--config", str(EXAMPLES / "shopify.yaml"),
        stdin=json.dumps(records),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"operations", "dead_letters"}
    assert out["operations"][0]["attributes"] == {"FIRSTNAME": "Ana", "TOTAL_SPENT": 12.5}
    assert [(d["source_id"], d["reason"], d["field"]) for d in out["dead_letters"]] == [
        ("2", "invalid_email", "email"),
        ("unknown", "unsupported_record", None),
    ]


def test_preview_works_for_pipedrive_persons_from_a_file(tmp_path: Path) -> None:
    records = tmp_path / "persons.json"
    records.write_text(json.dumps([{"id": 7, "email": "zoe@example.com", "name": "Zoë"}]))
    result = tajo(
        "mapping", "preview", "pipedrive", "persons",
        "--input", str(records), "--config", str(EXAMPLES / "pipedrive.yaml"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    operation = json.loads(result.stdout)["operations"][0]
    assert operation["ext_id"] == "pipedrive:persons:7"
    assert operation["list_ids"] == [60]


def test_config_check_names_the_key_of_a_bad_mapping(tmp_path: Path) -> None:
    config = tmp_path / "tajo.yaml"
    config.write_text(
        "connectors:\n  pipedrive:\n    api_token: t\n    person_mapping:\n"
        "      email: email\n      org_id.name: Company\n"
    )
    result = tajo("config", "check", "--config", str(config))
    assert result.returncode == 2
    assert "connectors.pipedrive.person_mapping.org_id.name" in result.stderr


PREVIEW_CASES = {
    ("pipedrive", "deals"): (
        [{"id": 42, "title": "Renewal", "value": 10, "person_id": 7, "stage_id": 1}],
        ["deal.upsert", "list.add", "list.remove", "list.remove", "list.remove"],
    ),
    ("pipedrive", "organizations"): ([{"id": 3, "name": "Acme"}], ["company.upsert"]),
    ("pipedrive", "webhooks"): (
        [{"meta": {"id": "d1", "action": "create", "entity": "person"}, "data": {"id": 7}}],
        ["event.track"],
    ),
    ("shopify", "customers"): (
        [{"id": 1, "email": "a@example.com", "email_marketing_consent": {"state": "unsubscribed"}}],
        ["contact.upsert"],
    ),
    ("shopify", "orders"): (
        [
            {
                "id": 1001,
                "created_at": "2024-03-13T16:09:54Z",
                "total_price": "19.90",
                "email": "a@example.com",
                "line_items": [{"product_id": 5, "quantity": 1, "price": "19.90"}],
            }
        ],
        ["order.upsert", "event.track"],
    ),
    ("shopify", "products"): ([{"id": 5, "title": "Shoes"}], ["product.upsert"]),
    ("shopify", "carts"): (
        [{"id": 9, "created_at": "2024-03-13T16:09:54Z", "total_price": "5", "email": "a@b.co"}],
        ["event.track"],
    ),
    ("pipedrive", "activities"): ([{"id": 8, "type": "call", "person_id": 7}], ["event.track"]),
    ("pipedrive", "leads"): ([{"id": "adf21080", "person_id": 7}], ["list.add"]),
}


def test_every_mapped_resource_has_a_preview_case() -> None:
    from tasks.streams import MAPPED

    assert set(PREVIEW_CASES) == MAPPED - {("pipedrive", "persons")}


@pytest.mark.parametrize(("connector", "resource"), sorted(PREVIEW_CASES))
def test_preview_works_for_every_resource_of_every_configured_connector(
    connector: str, resource: str
) -> None:
    records, kinds = PREVIEW_CASES[connector, resource]
    bad = {"id": "x y"} if resource != "webhooks" else {"meta": {"action": "create"}}
    result = tajo(
        "mapping", "preview", connector, resource,
        "--input", "-", "--config", str(EXAMPLES / f"{connector}.yaml"),
        stdin=json.dumps([*records, bad]),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert [op["op"] for op in out["operations"]] == kinds
    assert [d["reason"] for d in out["dead_letters"]] == ["unsupported_record"]


def test_preview_of_a_resource_without_a_mapping_names_the_connector() -> None:
    result = tajo(
        "mapping", "preview", "pipedrive", "notes",
        "--input", "-", "--config", str(EXAMPLES / "pipedrive.yaml"), stdin="[]",
    )  # fmt: skip
    assert result.returncode == 2
    assert "connectors.pipedrive" in result.stderr
