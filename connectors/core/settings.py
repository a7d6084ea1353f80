"""Pieces every connector's settings model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """Unknown keys are errors, so a typo in tajo.yaml names its key instead of being ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
