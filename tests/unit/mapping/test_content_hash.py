"""Content hashes for the write ledger: stable across processes, sensitive to content only."""

from __future__ import annotations

import subprocess
import sys

from mapping import ContactUpsert, content_hash


def upsert(**attributes: object) -> ContactUpsert:
    return ContactUpsert(
        ext_id="pipedrive:persons:7",
        source_id="7",
        email="zoe@example.com",
        attributes={key: value for key, value in attributes.items() if isinstance(value, str)},
        list_ids=(60,),
    )


def test_a_content_hash_is_32_hex_characters() -> None:
    digest = content_hash(upsert(FIRSTNAME="Zoë"))
    assert len(digest) == 32
    int(digest, 16)


def test_attribute_order_does_not_change_the_hash() -> None:
    assert content_hash(upsert(A="1", B="2")) == content_hash(upsert(B="2", A="1"))


def test_a_changed_value_changes_the_hash() -> None:
    assert content_hash(upsert(FIRSTNAME="Zoë")) != content_hash(upsert(FIRSTNAME="Zoe"))


def test_an_operation_and_its_json_hash_the_same() -> None:
    op = upsert(FIRSTNAME="Zoë")
    assert content_hash(op) == content_hash(op.to_json())


def test_the_hash_is_the_same_in_another_process_with_another_hash_seed() -> None:
    op = upsert(FIRSTNAME="Zoë", LASTNAME="Martin")
    script = (
        "from mapping import ContactUpsert, content_hash;"
        "print(content_hash(ContactUpsert(ext_id='pipedrive:persons:7', source_id='7',"
        " email='zoe@example.com', attributes={'LASTNAME': 'Martin', 'FIRSTNAME': 'Zo\\u00eb'},"
        " list_ids=(60,))))"
    )
    other = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert other.stdout.strip() == content_hash(op)
