"""The sandbox account's pipelines and their stages, in the v2 shapes.

Stage ids 1-4 are the "Lead In ... Negotiations Started" of the connector docs' own
`deal_stage_mapping` example, so that example maps real stages here.
https://developers.pipedrive.com/docs/api/v1/Stages (v2: `GET /api/v2/stages`)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.common.timefmt import to_rfc3339
from sandbox.pipedrive.timeline import BASE_START_EPOCH


@dataclass(frozen=True)
class Stage:
    id: int
    pipeline_id: int
    name: str
    deal_probability: int


PIPELINES: dict[int, str] = {1: "Sales", 2: "Partnerships"}
STAGES: tuple[Stage, ...] = (
    Stage(1, 1, "Lead In", 10),
    Stage(2, 1, "Contact Made", 25),
    Stage(3, 1, "Proposal Made", 50),
    Stage(4, 1, "Negotiations Started", 75),
    Stage(5, 2, "Qualified", 20),
    Stage(6, 2, "Agreement Sent", 60),
    Stage(7, 2, "Signed", 90),
)
STAGES_BY_PIPELINE: dict[int, tuple[Stage, ...]] = {
    pipeline_id: tuple(s for s in STAGES if s.pipeline_id == pipeline_id)
    for pipeline_id in PIPELINES
}
_CREATED = to_rfc3339(BASE_START_EPOCH)


def pipeline_records() -> list[dict[str, Any]]:
    return [
        {
            "id": pipeline_id,
            "name": name,
            "order_nr": pipeline_id,
            "is_deleted": False,
            "is_deal_probability_enabled": True,
            "add_time": _CREATED,
            "update_time": _CREATED,
            "is_selected": pipeline_id == 1,
        }
        for pipeline_id, name in PIPELINES.items()
    ]


def stage_records(pipeline_id: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "id": stage.id,
            "order_nr": STAGES_BY_PIPELINE[stage.pipeline_id].index(stage) + 1,
            "name": stage.name,
            "is_deleted": False,
            "deal_probability": stage.deal_probability,
            "pipeline_id": stage.pipeline_id,
            "is_deal_rot_enabled": False,
            "days_to_rotten": None,
            "add_time": _CREATED,
            "update_time": _CREATED,
        }
        for stage in STAGES
        if pipeline_id is None or stage.pipeline_id == pipeline_id
    ]
