"""One contact at a time: `POST /v3/contacts` with `updateEnabled`, conflicts decided by policy.

Replays and the webhook path write single contacts; everything else goes through imports. A
conflict (another Brevo contact holds our email or SMS) is decided on Brevo's
`metadata.duplicate_identifiers`, never on its code string: under `retry_without_conflicting`
the contact is written once more without the identifiers named there and the caller
dead-letters a note of what was left out; under `dead_letter` the conflict is raised.
https://developers.brevo.com/reference/createcontact
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from celery import shared_task
from sqlalchemy import update

from connectors.brevo.client import BrevoClient, ContactConflict
from connectors.brevo.settings import BrevoSettings, ContactWritePolicy
from connectors.core.errors import AuthError, VendorValidationError
from deadletter.reasons import DeadLetterReason
from tasks import brevo_bursts, clients, jobs, ledger, limits, parking, runtime
from tasks.models import StagedWrite
from tasks.policy import PolicyTask, describe, error_category
from tasks.queues import SINK_BREVO
from tasks.runtime import config, transaction

#: Our stable key: never dropped to get around a conflict (the write would lose its identity).
KEY_IDENTIFIER: Final = "ext_id"
#: How Brevo names identifiers in `duplicate_identifiers`, lower-cased, and what carries each in
#: a `POST /v3/contacts` body: the email is a field, the SMS an attribute.
_DROPPABLE: Final = {"email": ("email", None), "sms": (None, "SMS")}


def contact_body(operation: Mapping[str, Any], policy: ContactWritePolicy) -> dict[str, Any]:
    """`POST /v3/contacts` body for a contact.upsert operation (EXT_ID is the stable key).

    Blocklist flags are forwarded when True; a False (lifting a blocklist) only when the
    connector's policy allows it, otherwise the contact's blocklist is left as Brevo has it.
    """
    body: dict[str, Any] = {
        "ext_id": operation["ext_id"],
        "attributes": {**operation.get("attributes", {}), "EXT_ID": operation["ext_id"]},
        "listIds": list(operation.get("list_ids") or []),
    }
    if operation.get("email"):
        body["email"] = operation["email"]
    for flag, field in (
        ("email_blacklisted", "emailBlacklisted"),
        ("sms_blacklisted", "smsBlacklisted"),
    ):
        value = operation.get(flag)
        if value is True or (value is False and policy.lift_blocklist):
            body[field] = value
    return body


def without(
    body: Mapping[str, Any], identifiers: tuple[str, ...]
) -> tuple[dict[str, Any], list[str]]:
    """The body without the conflicting identifiers it can do without, and which were dropped."""
    out = {**body, "attributes": dict(body.get("attributes") or {})}
    dropped: list[str] = []
    for name in identifiers:
        field, attribute = _DROPPABLE.get(name.lower(), (None, None))
        if field is not None and out.pop(field, None) is not None:
            dropped.append(name)
        if attribute is not None and out["attributes"].pop(attribute, None) is not None:
            dropped.append(name)
    return out, dropped


@dataclass(frozen=True)
class SingleWrite:
    """What a single write did: `dropped` names identifiers left out to get past a conflict."""

    dropped: tuple[str, ...] = ()
    conflict: ContactConflict | None = None


def write_contact(
    client: BrevoClient,
    settings: BrevoSettings,
    operation: Mapping[str, Any],
    policy: ContactWritePolicy,
) -> SingleWrite:
    """Upsert one contact under the contacts bucket; `ContactConflict` when policy says so."""
    body = contact_body(operation, policy)
    try:
        _upsert(client, settings, body)
        return SingleWrite()
    except ContactConflict as conflict:
        if policy.conflict_policy == "dead_letter":
            raise
        reduced, dropped = without(body, conflict.identifiers)
        if not dropped:
            raise  # only our key clashes, or nothing we can leave out: nothing to retry
        # A second conflict (another identifier, or a race) is raised: no endless narrowing.
        _upsert(client, settings, reduced)
        return SingleWrite(tuple(dropped), conflict)


def _upsert(client: BrevoClient, settings: BrevoSettings, body: dict[str, Any]) -> None:
    limits.metered(
        "brevo",
        settings.api_key,
        limits.brevo_contacts_bucket(settings),
        lambda: client.upsert_contact(body),
    )


def conflict_note(write: SingleWrite) -> str:
    """The dead-letter message of a contact written without its conflicting identifiers."""
    detail = write.conflict.detail if write.conflict is not None else ""
    return (
        f"written without {', '.join(write.dropped)}: another Brevo contact holds it "
        f"(Brevo: {detail})"
    )


# -- the task: one contact, from the webhook path or an import row Brevo refused -------------


def park_letter(
    item: Mapping[str, Any],
    *,
    connector: str,
    resource: str,
    job_id: int | None,
    reason: str,
    message: str,
    vendor_code: str | None,
    key: str | None,
) -> None:
    """Dead-letter one staged-shape item through the parking path (Flower lists it)."""
    operation = item["operation"]
    parking.park.apply_async(
        kwargs={
            "connector": connector,
            "resource": resource,
            "source_id": str(operation.get("source_id") or item["ext_id"].rsplit(":", 1)[-1]),
            "job_id": job_id,
            "reason": reason,
            "message": message,
            "payload": dict(operation),
            "mapping_version": item.get("mapping_version"),
            "vendor_code": vendor_code,
            "key": key,
        }
    )


def _single_failed(exc: BaseException, kwargs: Mapping[str, Any]) -> None:
    """Give-up hook: a single write that cannot be done is dead-lettered, never dropped."""
    item = kwargs.get("item")
    if not isinstance(item, Mapping) or "operation" not in item:
        return
    category = error_category(exc)
    reason = {
        "auth": DeadLetterReason.AUTH,
        "forbidden": DeadLetterReason.FORBIDDEN,
        "validation": DeadLetterReason.BREVO_REJECTED,
    }.get(category, DeadLetterReason.RETRIES_EXHAUSTED)
    if isinstance(exc, AuthError):
        pause_account(config().brevo)
    park_letter(
        item,
        connector=str(kwargs.get("connector")),
        resource=str(kwargs.get("resource")),
        job_id=kwargs.get("job_id"),
        reason=reason.value,
        message=describe(exc),
        vendor_code=getattr(exc, "code", None),
        key=kwargs.get("key"),
    )


#: How long a refused key (401) holds every Brevo call of the account: until an operator
#: renews it, tasks defer instead of failing one by one.
AUTH_PAUSE_SECONDS: Final = 300.0


def pause_account(settings: BrevoSettings) -> None:
    """401: Brevo refused the key; pause every bucket of this account for every worker."""
    limiter = runtime.current().limiter
    if limiter is None:
        return
    credential = limits.fingerprint(settings.api_key)
    for bucket in (limits.brevo_contacts_bucket(settings), limits.brevo_other_bucket(settings)):
        limiter.pause("brevo", credential, bucket.name, AUTH_PAUSE_SECONDS)


@shared_task(
    name="brevo.write_contact",
    base=PolicyTask,
    bind=True,
    queue=SINK_BREVO,
    give_up=staticmethod(_single_failed),
)
def write_one(
    self: PolicyTask,
    *,
    connector: str,
    resource: str,
    item: dict[str, Any],
    job_id: int | None = None,
    key: str | None = None,
) -> dict[str, Any]:
    """Upsert one mapped contact (`item` as staged: ext_id, content_hash, operation...).

    Outside a job (webhooks), a write past the burst threshold is staged into the stream's
    live job instead, to travel in an import with the rest of the burst.
    """
    settings = config().brevo
    if job_id is None and brevo_bursts.should_coalesce(settings):
        live = brevo_bursts.stage_live(connector, resource, [item])
        return {"ext_id": item["ext_id"], "status": "staged", "job_id": live}
    policy = settings.contact_policy(connector)
    try:
        single = write_contact(clients.brevo(settings), settings, item["operation"], policy)
    except VendorValidationError as exc:
        reason = (
            DeadLetterReason.BREVO_CONFLICT
            if isinstance(exc, ContactConflict)
            else DeadLetterReason.BREVO_REJECTED
        )
        park_letter(
            item,
            connector=connector,
            resource=resource,
            job_id=job_id,
            key=key,
            reason=reason.value,
            message=describe(exc),
            vendor_code=exc.code,
        )
        return {"ext_id": item["ext_id"], "status": reason.value}
    if single.dropped:
        # Written, but not whole: a note for the operator, and no ledger entry, so the next run
        # writes it whole once the clash is resolved in Brevo.
        conflict_code = single.conflict.code if single.conflict else None
        park_letter(
            item,
            connector=connector,
            resource=resource,
            job_id=job_id,
            key=key,
            reason=DeadLetterReason.BREVO_CONFLICT.value,
            message=conflict_note(single),
            vendor_code=conflict_code,
        )
        return {"ext_id": item["ext_id"], "status": "written without " + ",".join(single.dropped)}
    with transaction() as session:
        ledger.remember(session, [ledger.Written.of(connector, resource, item)])
        if job_id is not None and key is not None:
            # A row an import refused and this write got through counts as written after all.
            session.execute(
                update(StagedWrite)
                .where(
                    StagedWrite.job_id == job_id,
                    StagedWrite.target == ledger.CONTACT,
                    StagedWrite.external_id == item["ext_id"],
                )
                .values(status="written")
            )
            jobs.task_done(session, job_id, key)
    return {"ext_id": item["ext_id"], "status": "written"}
