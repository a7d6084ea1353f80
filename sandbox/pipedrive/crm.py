"""Deterministic deals, activities and leads, computed from (seed, id) like persons are.

Deals and activities sit in their person's slots (see `slots.py`) and point at that person and
the person's organization; a deal's stage is one of its pipeline's, its status open, won or lost
(closed deals carry `close_time` and `won_time` or `lost_time`). Activities point at their
person, often at one of the person's deals. Leads are numbered 1..n inside the fake, but their
ids are UUIDs as on Pipedrive: one per-account prefix and the number in the last group, so
`id` order is creation order and an id can be read back without a table.
Shapes: https://developers.pipedrive.com/docs/api/v1/Deals, .../Activities (v2), .../Leads (v1).
"""

from __future__ import annotations

import hashlib
import random
import re
from typing import Any

from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.fields import CustomField
from sandbox.pipedrive.pipelines import STAGES_BY_PIPELINE
from sandbox.pipedrive.timeline import Timeline

OWNER_IDS = (1001, 1002, 1003)
VISIBLE_TO = 3
DEAL_WORDS = ("Renewal", "Expansion", "Pilot", "Licence", "Onboarding", "Upgrade", "Café order")
CURRENCIES = ("EUR", "EUR", "EUR", "USD", "GBP")
LOST_REASONS = ("Price", "Timing", "Went with a competitor", "No budget")
ACTIVITY_TYPES = ("call", "meeting", "email", "task", "deadline", "lunch")
LEAD_SOURCES = ("Manually created", "Web forms", "API", "Prospector")
#: The account's lead labels (v1 lead `label_ids` are UUIDs).
LEAD_LABEL_IDS = (
    "f08b42a0-4e75-11ea-9643-03698ef1cfd6",
    "f08b42a1-4e75-11ea-9643-03698ef1cfd6",
    "f08b42a2-4e75-11ea-9643-03698ef1cfd6",
)
#: Share of deals by status (cumulative): open, won; the rest are lost.
OPEN_SHARE, WON_SHARE = 0.5, 0.8
_LEAD_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-([0-9a-f]{12})")


def build_deal(
    seed: int,
    deal_id: int,
    timeline: Timeline,
    person_id: int | None,
    org_id: int | None,
    custom: tuple[CustomField, ...],
) -> dict[str, Any]:
    rng = random.Random(f"pipedrive-deal:{seed}:{deal_id}")
    pipeline_id = 1 if rng.random() < 0.7 else 2
    stages = STAGES_BY_PIPELINE[pipeline_id]
    draw = rng.random()
    status = "open" if draw < OPEN_SHARE else "won" if draw < WON_SHARE else "lost"
    stage = stages[-1] if status == "won" else rng.choice(stages)
    added = timeline.add_epoch(deal_id)
    closed_at = to_rfc3339(added + (timeline.base_update_epoch(deal_id) - added) // 2)
    closed = status != "open"
    return {
        "id": deal_id,
        "title": f"{rng.choice(DEAL_WORDS)} #{deal_id}",
        "creator_user_id": OWNER_IDS[0],
        "owner_id": rng.choice(OWNER_IDS),
        "person_id": person_id,
        "org_id": org_id,
        "stage_id": stage.id,
        "pipeline_id": pipeline_id,
        "value": round(rng.uniform(100, 20_000), 2),
        "currency": rng.choice(CURRENCIES),
        "add_time": to_rfc3339(added),
        "update_time": to_rfc3339(timeline.update_epoch(deal_id)),
        "stage_change_time": None,
        "is_deleted": False,
        "is_archived": False,
        "status": status,
        "probability": None,
        "lost_reason": rng.choice(LOST_REASONS) if status == "lost" else None,
        "visible_to": VISIBLE_TO,
        "close_time": closed_at if closed else None,
        "won_time": closed_at if status == "won" else None,
        "lost_time": closed_at if status == "lost" else None,
        "expected_close_date": to_rfc3339(added + 30 * 86_400)[:10],
        "label_ids": [],
        "custom_fields": _custom_values(rng, custom),
    }


def build_activity(
    seed: int,
    activity_id: int,
    timeline: Timeline,
    person_id: int | None,
    org_id: int | None,
    person_deal_ids: list[int],
) -> dict[str, Any]:
    rng = random.Random(f"pipedrive-activity:{seed}:{activity_id}")
    kind = rng.choice(ACTIVITY_TYPES)
    added = timeline.add_epoch(activity_id)
    done = rng.random() < 0.6
    deal_id = rng.choice(person_deal_ids) if person_deal_ids and rng.random() < 0.6 else None
    due = to_rfc3339(added + rng.randint(0, 20) * 86_400)
    return {
        "id": activity_id,
        "subject": f"{kind.capitalize()} #{activity_id}",
        "type": kind,
        "owner_id": rng.choice(OWNER_IDS),
        "creator_user_id": OWNER_IDS[0],
        "is_deleted": False,
        "add_time": to_rfc3339(added),
        "update_time": to_rfc3339(timeline.update_epoch(activity_id)),
        "deal_id": deal_id,
        "lead_id": None,
        "person_id": person_id,
        "org_id": org_id,
        "project_id": None,
        "due_date": due[:10],
        "due_time": f"{rng.randint(8, 17):02d}:{rng.choice((0, 15, 30, 45)):02d}",
        "duration": "00:30",
        "busy": kind in ("meeting", "lunch"),
        "done": done,
        "marked_as_done_time": to_rfc3339(timeline.base_update_epoch(activity_id))
        if done
        else None,
        "location": None,
        "participants": [] if person_id is None else [{"person_id": person_id, "primary": True}],
        "attendees": [],
        "public_description": None,
        "priority": None,
        "note": None,
    }


def lead_id_prefix(seed: int) -> str:
    return hashlib.blake2b(f"sandbox-leads:{seed}".encode(), digest_size=10).hexdigest()


def lead_uuid(seed: int, index: int) -> str:
    h = lead_id_prefix(seed)
    return f"{h[0:8]}-{h[8:12]}-4{h[12:15]}-a{h[15:18]}-{index:012x}"


def lead_index(seed: int, lead_id: str) -> int | None:
    """The number behind a lead id of this account, or None when it is not one of ours."""
    match = _LEAD_ID.fullmatch(lead_id)
    if match is None:
        return None
    index = int(match.group(1), 16)
    return index if lead_uuid(seed, index) == lead_id else None


def lead_time(epoch: int) -> str:
    # v1 leads write milliseconds: "2020-06-16T07:52:34.153Z".
    return to_rfc3339(epoch).removesuffix("Z") + ".000Z"


def build_lead(
    seed: int, index: int, timeline: Timeline, person_total: int, org_total: int
) -> dict[str, Any]:
    rng = random.Random(f"pipedrive-lead:{seed}:{index}")
    person_id = rng.randint(1, person_total) if person_total and rng.random() < 0.8 else None
    org_id = rng.randint(1, org_total) if person_id is None or rng.random() < 0.3 else None
    added = timeline.add_epoch(index)
    has_value = rng.random() < 0.7
    return {
        "id": lead_uuid(seed, index),
        "title": f"{rng.choice(DEAL_WORDS)} lead {index}",
        "owner_id": rng.choice(OWNER_IDS),
        "creator_id": OWNER_IDS[0],
        "label_ids": [rng.choice(LEAD_LABEL_IDS)] if rng.random() < 0.4 else [],
        "person_id": person_id,
        "organization_id": org_id,
        "source_name": rng.choice(LEAD_SOURCES),
        "origin": "API",
        "channel": None,
        "channel_id": None,
        "is_archived": rng.random() < 0.1,
        "was_seen": rng.random() < 0.5,
        "value": {"amount": rng.randint(1, 200) * 50, "currency": rng.choice(CURRENCIES)}
        if has_value
        else None,
        "expected_close_date": None,
        "next_activity_id": None,
        "add_time": lead_time(added),
        "update_time": lead_time(timeline.update_epoch(index)),
        "visible_to": str(VISIBLE_TO),
        "cc_email": f"sandbox+lead{index}@pipedrivemail.com",
    }


def _custom_values(rng: random.Random, custom: tuple[CustomField, ...]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in custom:
        if rng.random() < 0.3:
            values[field.key] = None
        elif field.options:
            values[field.key] = rng.choice(field.options)[0]
        elif field.field_type == "double":
            values[field.key] = float(rng.choice((6, 12, 24, 36)))
        else:
            values[field.key] = rng.choice(("Inbound", "Outbound", "Partner"))
    return values
