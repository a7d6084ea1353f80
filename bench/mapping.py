"""Mapping speed: the compiled engine against a hand-written function doing the same work.

    .venv/bin/python bench/mapping.py [--records 200000]

Maps N sandbox Pipedrive persons (in the shape the client presents them) and N Shopify-shaped
customers with the default specs and full normalisation (email syntax, phone to E.164, money,
option labels), once with `mapping.compile_contact_mapping` and once with plain Python written for
these two specs only. Records are generated up front, no servers. Prints records/s on one core for
each and ends with `RESULT engine_per_s=<n> handwritten_per_s=<n> ratio=<engine/handwritten>`.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from mapping import MappingError, Reason, compile_contact_mapping
from mapping.identifiers import normalise_email, normalise_phone
from mapping.transforms import split_money
from sandbox.pipedrive.fields import custom_person_fields, person_field_definitions
from sandbox.pipedrive.people import build_person
from sandbox.pipedrive.timeline import Timeline

SEED = 11
PERSON_SPEC = {
    "email": "email",
    "name": "FULLNAME",
    "first_name": "FIRSTNAME",
    "last_name": "LASTNAME",
    "phone": "SMS",
    "org_id.name": "COMPANY",
    "custom_fields.lead_source": "LEAD_SOURCE",
}
CUSTOMER_SPEC = {
    "email": "email",
    "first_name": "FIRSTNAME",
    "last_name": "LASTNAME",
    "total_spent": "TOTAL_SPENT",
    "phone": "SMS",
}


def persons(count: int) -> list[dict[str, Any]]:
    """Sandbox persons as the Pipedrive client presents them (primary email/phone, org name)."""
    custom = custom_person_fields(SEED)
    timeline = Timeline(count, SEED)
    out = []
    for person_id in range(1, count + 1):
        raw = build_person(SEED, person_id, timeline, max(1, count // 5), custom)
        raw["email"] = next((e["value"] for e in raw["emails"] if e.get("primary")), None)
        raw["phone"] = next((p["value"] for p in raw["phones"] if p.get("primary")), None)
        org = raw["org_id"]
        raw["org_id"] = None if org is None else {"value": org, "name": f"Org {org}"}
        out.append(raw)
    return out


def customers(count: int) -> list[dict[str, Any]]:
    """Shopify REST customers: money as strings, some without email, some bad phones."""
    rng = random.Random(SEED)
    out = []
    for customer_id in range(1, count + 1):
        first, last = rng.choice(["Ana", "Bo", "Zoë", "Jürgen"]), rng.choice(["Silva", "Müller"])
        has_email = rng.random() > 0.05
        out.append(
            {
                "id": 7_000_000 + customer_id,
                "email": f"{first}.{last}{customer_id}@Example.com" if has_email else None,
                "first_name": first,
                "last_name": last,
                "phone": f"+1415555{customer_id % 10000:04d}" if rng.random() < 0.5 else None,
                "total_spent": f"{rng.randint(0, 99999) / 100:.2f}",
                "orders_count": rng.randint(0, 40),
                "currency": "USD",
            }
        )
    return out


def usable_text(value: object) -> bool:
    """What the engine checks before storing text: short, and encodable (no lone surrogate)."""
    if not isinstance(value, str) or len(value) > 5000:
        return False
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def handwritten_person(record: dict[str, Any], labels: dict[str, str], key: str) -> dict[str, Any]:
    email = sms = None
    try:
        email = normalise_email(record.get("email"), path="email")
    except MappingError:
        email = None
    try:
        sms = normalise_phone(record.get("phone"), path="phone")
    except MappingError:
        sms = None
    if email is None and sms is None:
        raise MappingError(Reason.MISSING_IDENTIFIER, "no email and no phone")
    attributes: dict[str, Any] = {}
    for source, target in (
        ("name", "FULLNAME"),
        ("first_name", "FIRSTNAME"),
        ("last_name", "LASTNAME"),
    ):
        value = record.get(source)
        if usable_text(value):
            attributes[target] = value
    org = record.get("org_id")
    if isinstance(org, dict) and usable_text(org.get("name")):
        attributes["COMPANY"] = org["name"]
    option = (record.get("custom_fields") or {}).get(key)
    if option is not None:
        attributes["LEAD_SOURCE"] = labels.get(str(option), option)
    if sms is not None:
        attributes["SMS"] = sms
    return {"ext_id": f"pipedrive:persons:{record['id']}", "email": email, "attributes": attributes}


def handwritten_customer(record: dict[str, Any]) -> dict[str, Any]:
    email = sms = None
    try:
        email = normalise_email(record.get("email"), path="email")
    except MappingError:
        email = None
    try:
        sms = normalise_phone(record.get("phone"), path="phone")
    except MappingError:
        sms = None
    if email is None and sms is None:
        raise MappingError(Reason.MISSING_IDENTIFIER, "no email and no phone")
    attributes: dict[str, Any] = {}
    for source, target in (("first_name", "FIRSTNAME"), ("last_name", "LASTNAME")):
        value = record.get(source)
        if usable_text(value):
            attributes[target] = value
    if record.get("total_spent") is not None:
        attributes["TOTAL_SPENT"] = float(split_money(record["total_spent"])[0])
    if sms is not None:
        attributes["SMS"] = sms
    return {"ext_id": f"shopify:customers:{record['id']}", "email": email, "attributes": attributes}


def outcome(function: Callable[[Any], object], record: Any) -> object:
    """What a mapping function makes of a record, in a shape both functions share."""
    try:
        result = function(record)
    except MappingError as exc:
        return exc.reason
    if isinstance(result, dict):
        return (result["ext_id"], result["email"], result["attributes"])
    op = result.to_json()  # type: ignore[attr-defined]
    return (op["ext_id"], op["email"], op["attributes"])


def check_same_work(
    engine: Callable[[Any], object], handwritten: Callable[[Any], object], records: list[Any]
) -> None:
    """The comparison is only fair if both produce the same thing: check it before timing."""
    for record in records:
        if outcome(engine, record) != outcome(handwritten, record):
            sys.exit(f"engine and handwritten disagree on record {record.get('id')}")


def rate(function: Callable[[Any], object], records: list[Any]) -> float:
    started = time.perf_counter()
    for record in records:
        with contextlib.suppress(MappingError):
            function(record)
    return len(records) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=200_000)
    count = parser.parse_args().records
    fields = person_field_definitions(custom_person_fields(SEED))
    lead = custom_person_fields(SEED).lead_source
    labels = {str(i): label for i, label in lead.options}
    person_mapper = compile_contact_mapping(
        PERSON_SPEC, vendor="pipedrive", resource="persons", list_ids=[60], vendor_fields=fields
    )
    customer_mapper = compile_contact_mapping(
        CUSTOMER_SPEC, vendor="shopify", resource="customers", list_ids=[60]
    )
    print(f"generating {count} persons and {count} customers ...", flush=True)
    people, shoppers = persons(count), customers(count)

    def engine(record: Any) -> object:
        return (person_mapper if "custom_fields" in record else customer_mapper).map(record)

    def handwritten(record: Any) -> object:
        if "custom_fields" in record:
            return handwritten_person(record, labels, lead.key)
        return handwritten_customer(record)

    records = people + shoppers
    check_same_work(engine, handwritten, people[:2000] + shoppers[:2000])
    engine_rate = rate(engine, records)
    hand_rate = rate(handwritten, records)
    engine_rate, hand_rate = (
        max(engine_rate, rate(engine, records)),
        max(hand_rate, rate(handwritten, records)),
    )
    print(f"engine:      {engine_rate:,.0f} records/s (one core)")
    print(f"handwritten: {hand_rate:,.0f} records/s (one core)")
    print(
        f"RESULT engine_per_s={engine_rate:.0f} handwritten_per_s={hand_rate:.0f} "
        f"ratio={engine_rate / hand_rate:.2f}"
    )


if __name__ == "__main__":
    main()
