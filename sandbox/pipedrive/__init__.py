"""A fake Pipedrive: v2 persons and organizations (cursor paging), v1 personFields."""

from sandbox.pipedrive.app import create_pipedrive_app
from sandbox.pipedrive.fake import PipedriveFake

__all__ = ["PipedriveFake", "create_pipedrive_app"]
