"""One source record through the same read -> map -> write path as a batch run, by itself.

Replays and webhook refetches both need it: read the record as the vendor has it now (under the
shared limiter), map it with the current mapping, and upsert it as a single contact unless the
write ledger says Brevo already holds this exact version. The caller records the ledger entry,
so it can do that in the same transaction as its own bookkeeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete

from connectors.config import TajoConfig
from mapping.contact import ContactMapper
from mapping.errors import MappingError, Reason
from mapping.hashing import content_hash
from mapping.operations import ContactUpsert
from tasks import brevo_contacts, clients, ledger, limits, staging, streams
from tasks.models import LedgerEntry, StagedWrite
from tasks.runtime import transaction


def read_current(
    cfg: TajoConfig, connector: str, resource: str, source_id: str
) -> tuple[bool, Any] | None:
    """(found, record) as the vendor has it now, or None when the connector cannot read one
    record by id. Pipedrive: `GET /api/v2/persons/{id}`; a 404 (deleted, merged away) is
    (False, None)."""
    if (connector, resource) == ("pipedrive", "persons") and (
        source_id.isdigit() and int(source_id) > 0
    ):
        settings = streams.pipedrive_settings(cfg)
        client = clients.pipedrive(settings)
        record = limits.metered(
            connector,
            settings.credential,
            limits.pipedrive_bucket(settings),
            lambda: client.get_person(int(source_id)),
        )
        return record is not None, record
    return None


def map_record(
    cfg: TajoConfig, connector: str, resource: str, record: Any
) -> tuple[dict[str, Any], str]:
    """The contact operation (current mapping) and the mapping version; MappingError if not."""
    mapper = streams.resolve(cfg, connector, resource).mapper
    if not isinstance(mapper, ContactMapper):
        raise MappingError(Reason.UNSUPPORTED_RECORD, f"{resource} records are not contacts")
    if isinstance(record, Mapping) and record.get("op") == ContactUpsert.OP:
        # A row Brevo refused holds the mapped operation, not the source record.
        return dict(ContactUpsert.from_json(record).to_json()), mapper.version
    try:
        return dict(mapper.map(record).to_json()), mapper.version
    except MappingError:
        raise
    except Exception as exc:
        raise MappingError(Reason.TRANSFORM_FAILED, f"mapping raised {type(exc).__name__}") from exc


@dataclass(frozen=True)
class ContactWrite:
    """What `write_if_changed` did.

    `unchanged`: the ledger holds this version, nothing sent. `written`: Brevo took it whole;
    `ledger_entry` is what to remember. `partial`: written without an identifier another contact
    holds (`single` says which); not remembered, so a later run writes it whole once fixed.
    """

    status: Literal["unchanged", "written", "partial"]
    ledger_entry: StagedWrite | None = None
    single: brevo_contacts.SingleWrite | None = None


def write_if_changed(
    cfg: TajoConfig, connector: str, resource: str, operation: Mapping[str, Any], version: str
) -> ContactWrite:
    """Upsert one mapped contact unless Brevo already holds it; VendorValidationError (or
    ContactConflict) when Brevo refuses it."""
    digest = content_hash(operation)
    ext_id = operation["ext_id"]
    with transaction() as session:
        known = ledger.known_hashes(session, connector, resource, staging.CONTACT, [ext_id])
    if known.get(ext_id) == digest:
        return ContactWrite("unchanged")
    policy = cfg.brevo.contact_policy(connector)
    single = brevo_contacts.write_contact(clients.brevo(cfg.brevo), cfg.brevo, operation, policy)
    if single.dropped:
        return ContactWrite("partial", single=single)
    entry = StagedWrite(
        connector=connector,
        resource=resource,
        external_id=ext_id,
        target=staging.CONTACT,
        content_hash=digest,
        mapping_version=version,
    )
    return ContactWrite("written", ledger_entry=entry, single=single)


def ext_id_of(cfg: TajoConfig, connector: str, resource: str, source_id: str) -> str:
    """The EXT_ID the current mapping gives this source object (the default or the spec's)."""
    mapper = streams.mapper_for(cfg, connector, resource)
    return mapper.ext_id_template.format(
        vendor=mapper.vendor, resource=mapper.resource, id=source_id
    )


def withdraw(cfg: TajoConfig, connector: str, resource: str, source_id: str) -> bool:
    """The vendor no longer has this object: take its contact out of the connector's lists and
    forget its ledger entry (a restored object is then written again). False when Brevo has
    no such contact.

    The contact itself stays: it holds Brevo's consent, unsubscribes and campaign history,
    which another source may share, and a CRM deletion is not an erasure request.
    """
    ext_id = ext_id_of(cfg, connector, resource, source_id)
    mapper = streams.mapper_for(cfg, connector, resource)
    settings = cfg.brevo
    client = clients.brevo(settings)
    found = True
    if mapper.list_ids:
        body = {"unlinkListIds": list(mapper.list_ids)}
        found = limits.metered(
            "brevo",
            settings.api_key,
            limits.brevo_contacts_bucket(settings),
            lambda: client.update_contact_by_ext_id(ext_id, body),
        )
    with transaction() as session:
        session.execute(
            delete(LedgerEntry).where(
                LedgerEntry.connector == connector,
                LedgerEntry.resource == resource,
                LedgerEntry.external_id == ext_id,
                LedgerEntry.target == staging.CONTACT,
            )
        )
    return found
