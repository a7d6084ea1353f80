"""Turns vendor records into Brevo operations.

Pure: no I/O, and no imports of the rest of the project.
"""

from mapping.contact import ContactMapper, compile_contact_mapping
from mapping.errors import MappingError, Reason, SpecError
from mapping.hashing import content_hash
from mapping.operations import OPERATION_KINDS, BrevoOperation, ContactUpsert

__all__ = [
    "OPERATION_KINDS",
    "BrevoOperation",
    "ContactMapper",
    "ContactUpsert",
    "MappingError",
    "Reason",
    "SpecError",
    "compile_contact_mapping",
    "content_hash",
]
