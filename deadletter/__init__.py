"""Records that could not reach Brevo: stored with why, counted, and replayed by operators."""

from deadletter.models import Base, DeadLetter, DeadLetterStatus
from deadletter.reasons import DeadLetterReason, hint
from deadletter.redact import redact
from deadletter.store import DeadLetterNotFound, DeadLetterStore

__all__ = [
    "Base",
    "DeadLetter",
    "DeadLetterNotFound",
    "DeadLetterReason",
    "DeadLetterStatus",
    "DeadLetterStore",
    "hint",
    "redact",
]
