"""Staged contacts travel in imports grouped by their lists and blocklist flags (real SQL)."""

from __future__ import annotations

from typing import Any

import pytest

from tasks import jobs, staging
from tasks.runtime import transaction

pytestmark = pytest.mark.usefixtures("installed_runtime")


def item(n: int, **flags: bool) -> dict[str, Any]:
    ext_id = f"pipedrive:persons:{n}"
    return {
        "ext_id": ext_id,
        "content_hash": f"h{n}",
        "mapping_version": "v1",
        "operation": {
            "op": "contact.upsert",
            "ext_id": ext_id,
            "source_id": str(n),
            "email": f"p{n}@example.com",
            "attributes": {"FIRSTNAME": f"P{n}"},
            "list_ids": [60],
            **flags,
        },
    }


def test_blocklisted_contacts_go_in_an_import_of_their_own_that_says_so_and_lifts_ride_plain() -> (
    None
):
    with transaction() as session:
        job_id = jobs.open_job(session, "pipedrive", "persons", "full").job_id
        staging.stage(
            session,
            job_id,
            "pipedrive",
            "persons",
            [item(1), item(2, email_blacklisted=True), item(3, email_blacklisted=False), item(4)],
        )

    claims = []
    for _ in range(3):
        with transaction() as session:
            claims.append(staging.claim(session, job_id, max_rows=100, max_bytes=1_000_000))

    plain, blocked, nothing = claims
    assert plain is not None
    assert blocked is not None
    assert nothing is None
    assert (plain.email_blacklist, plain.sms_blacklist) == (False, False)
    assert [r["email"] for r in plain.rows] == [
        "p1@example.com",
        "p3@example.com",
        "p4@example.com",
    ]
    assert (blocked.email_blacklist, [r["email"] for r in blocked.rows]) == (
        True,
        ["p2@example.com"],
    )
    with transaction() as session:
        resent = staging.claimed_rows(session, blocked.import_id)
    assert resent is not None
    assert resent.email_blacklist is True
