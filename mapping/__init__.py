"""Turns vendor records into Brevo operations.

Pure: no I/O, and no imports of the rest of the project.
"""

from mapping.consent import ConsentLists, consent_lists
from mapping.contact import ContactMapper, compile_contact_mapping
from mapping.crm_objects import DEFAULT_SPECS, ObjectUpsert, compile_object_upsert
from mapping.deal_stages import DealStageLists, compile_deal_stage_lists
from mapping.errors import MappingError, Reason, SpecError
from mapping.hashing import content_hash
from mapping.operations import OPERATION_KINDS, BrevoOperation, ContactUpsert, Operation
from mapping.orders import OrderUpsert
from mapping.record_mapper import Mapper, RecordMapper, compile_record_mapping
from mapping.webhook_events import WebhookEvents, compile_webhook_events

__all__ = [
    "DEFAULT_SPECS",
    "OPERATION_KINDS",
    "BrevoOperation",
    "ConsentLists",
    "ContactMapper",
    "ContactUpsert",
    "DealStageLists",
    "Mapper",
    "MappingError",
    "ObjectUpsert",
    "Operation",
    "OrderUpsert",
    "Reason",
    "RecordMapper",
    "SpecError",
    "WebhookEvents",
    "compile_contact_mapping",
    "compile_deal_stage_lists",
    "compile_object_upsert",
    "compile_record_mapping",
    "compile_webhook_events",
    "consent_lists",
    "content_hash",
]
