"""`deal_stage_mapping`: a deal's stage or status decides which Brevo list its person is in.

    deal_stage_mapping:
      1: 61          # stage id -> Brevo list id
      3: 62
      "won": 63      # status -> Brevo list id
      "lost": 64

For a deal with a person, the person (ext_id `pipedrive:persons:<person id>`, the key the persons
stream writes contacts under) is added to the list of the deal's status when it is won or lost,
else to the list of its stage (else of the `open` status, when mapped), and taken out of every
other list of the mapping: a person follows their deal down the pipeline. A deal whose stage and
status the mapping does not name, a deal without a person, and a deleted deal leave list
membership as it is. With several deals per person, the deal synced last decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from mapping.errors import SpecError
from mapping.operations import BrevoOperation
from mapping.parts import check_list_id, membership
from mapping.record_ids import related_id

#: Pipedrive deal statuses (https://developers.pipedrive.com/docs/api/v1/Deals).
STATUSES: Final = frozenset({"open", "won", "lost"})
_CLOSED: Final = frozenset({"won", "lost"})
DEFAULT_PERSON_PREFIX: Final = "pipedrive:persons:"


@dataclass(frozen=True, slots=True)
class DealStageLists:
    """A record part for deals: `list.add` to the list of the deal's stage or status and
    `list.remove` from the mapping's other lists."""

    by_stage: Mapping[int, int]
    by_status: Mapping[str, int]
    person_prefix: str = DEFAULT_PERSON_PREFIX

    def describe(self) -> object:
        return {
            "part": "deal_stage_lists",
            "stages": sorted(self.by_stage.items()),
            "statuses": sorted(self.by_status.items()),
            "person": self.person_prefix,
        }

    def operations(self, record: Mapping[str, object], source_id: str) -> list[BrevoOperation]:
        status = record.get("status")
        if status == "deleted" or record.get("is_deleted") is True or record.get("deleted") is True:
            return []
        person = related_id(record.get("person_id"))
        target = self._list_of(record.get("stage_id"), status)
        if person is None or target is None:
            return []
        ext_id = self.person_prefix + person
        others = sorted((set(self.by_stage.values()) | set(self.by_status.values())) - {target})
        return [
            membership("list.add", target, ext_id, source_id),
            *(membership("list.remove", other, ext_id, source_id) for other in others),
        ]

    def _list_of(self, stage: object, status: object) -> int | None:
        if isinstance(status, str) and status in _CLOSED and status in self.by_status:
            return self.by_status[status]
        stage_id = _stage_id(stage)
        if stage_id is not None and stage_id in self.by_stage:
            return self.by_stage[stage_id]
        if status == "open":
            return self.by_status.get("open")
        return None


def compile_deal_stage_lists(
    spec: Mapping[object, object], *, key_path: str = "deal_stage_mapping"
) -> DealStageLists:
    """Check the mapping (stage ids or statuses -> list ids); `SpecError` names a bad key."""
    if not isinstance(spec, Mapping):
        raise SpecError(key_path, "must map Pipedrive stage ids or statuses to Brevo list ids")
    by_stage: dict[int, int] = {}
    by_status: dict[str, int] = {}
    for key, value in spec.items():
        where = f"{key_path}.{key}"
        list_id = check_list_id(where, value)
        stage_id = _stage_id(key)
        if stage_id is not None:
            by_stage[stage_id] = list_id
        elif isinstance(key, str) and key.strip().lower() in STATUSES:
            by_status[key.strip().lower()] = list_id
        else:
            raise SpecError(
                where, "a key is a stage id (a positive integer) or a status: open, won or lost"
            )
    return DealStageLists(by_stage, by_status)


def _stage_id(value: object) -> int | None:
    """A stage id as Pipedrive sends it (an integer) or as YAML may spell it ("3")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value) or None
    return None
