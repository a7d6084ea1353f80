"""Request bodies of endpoints Brevo's spec file lacks, checked against brevo-python 5.x's types.

The spec copy in spec/ predates `POST /events/batch` and `POST /objects/{type}/batch/upsert`;
the official SDK, generated from Brevo's current API definition, describes them
(`CreateBatchEventsRequestEventsItem`, `UpsertrecordsRequestRecordsItem`). These models restate
those field names and types (no code copied). They forbid unknown keys, so a misspelt field
(`eventName`, `ids`) is caught here rather than silently dropped by Brevo.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr
from pydantic import ValidationError as PydanticValidationError

#: Event properties: "string, number, boolean (true/false), date" and nested objects/lists.
PropertyValue = StrictStr | StrictInt | StrictFloat | StrictBool | dict[str, Any] | list[Any]
#: Contact properties as the SDK types them.
ContactPropertyValue = StrictStr | StrictInt

MAX_OBJECT_RECORDS = 1000
MAX_ASSOCIATIONS = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class EventIdentifiers(_Strict):
    contact_id: StrictInt | None = None
    email_id: StrictStr | None = None
    ext_id: StrictStr | None = None
    landline_number_id: StrictStr | None = None
    phone_id: StrictStr | None = None
    whatsapp_id: StrictStr | None = None


class EventObjectIdentifiers(_Strict):
    ext_id: StrictStr | None = None
    id: StrictStr | None = None


class EventObject(_Strict):
    type: StrictStr | None = None
    identifiers: EventObjectIdentifiers | None = None


class BatchEvent(_Strict):
    event_name: StrictStr
    identifiers: EventIdentifiers
    event_date: StrictStr | None = None
    event_properties: dict[str, PropertyValue] | None = None
    contact_properties: dict[str, ContactPropertyValue] | None = None
    object: EventObject | None = None


class BatchEventsBody(_Strict):
    events: list[BatchEvent] = Field(min_length=1)


class RecordIdentifiers(_Strict):
    ext_id: StrictStr | None = None
    id: StrictInt | None = None


class AssociatedRecord(_Strict):
    identifiers: RecordIdentifiers | None = None


class Association(_Strict):
    object_type: StrictStr
    action: Literal["link", "unlink"] | None = None
    records: list[AssociatedRecord]


class ObjectRecord(_Strict):
    identifiers: RecordIdentifiers | None = None
    attributes: dict[str, Any] | None = None
    associations: list[Association] | None = Field(default=None, max_length=MAX_ASSOCIATIONS)


class ObjectUpsertBody(_Strict):
    records: list[ObjectRecord] = Field(min_length=1, max_length=MAX_OBJECT_RECORDS)


def _problem(model: type[BaseModel], body: Any) -> str | None:
    try:
        model.model_validate(body)
    except PydanticValidationError as exc:
        lines = []
        for error in exc.errors()[:10]:
            path = "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
            )
            lines.append(f"$.{path.lstrip('.')}: {error['msg']}")
        return "Request body is invalid: " + "; ".join(lines)
    return None


def batch_events_problem(body: Any) -> str | None:
    """Why a `POST /events/batch` body is off-spec, or None."""
    return _problem(BatchEventsBody, body)


def object_upsert_problem(body: Any) -> str | None:
    """Why a `POST /objects/{type}/batch/upsert` body is off-spec, or None."""
    return _problem(ObjectUpsertBody, body)
