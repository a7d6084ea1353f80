"""A fake Brevo (API v3) that validates every request against Brevo's OpenAPI spec."""

from sandbox.brevo.app import create_brevo_app
from sandbox.brevo.fake import BrevoFake

__all__ = ["BrevoFake", "create_brevo_app"]
