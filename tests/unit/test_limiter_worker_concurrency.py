"""Per-vendor worker concurrency comes from the config, for compose and for `tajo demo`."""

from __future__ import annotations

from pathlib import Path

import yaml

from connectors.config import TajoConfig
from workers.concurrency import (
    DEFAULT_VENDOR_CONCURRENCY,
    concurrency_for_queues,
    vendor_concurrency,
)

COMPOSE = Path(__file__).parent.parent.parent / "compose.yaml"


def _config(concurrency: int) -> TajoConfig:
    return TajoConfig.model_validate(
        {"connectors": {"pipedrive": {"api_token": "t", "concurrency": concurrency}}}
    )


def test_a_vendor_worker_takes_the_vendor_s_configured_concurrency() -> None:
    assert concurrency_for_queues(_config(6), ["src.pipedrive"]) == 6
    assert vendor_concurrency(TajoConfig(), "pipedrive") == DEFAULT_VENDOR_CONCURRENCY


def test_a_worker_with_other_queues_keeps_celery_s_default() -> None:
    assert concurrency_for_queues(_config(6), ["src.pipedrive", "sink.brevo"]) is None
    assert concurrency_for_queues(_config(6), []) is None


def test_vendors_without_settings_get_the_default() -> None:
    assert concurrency_for_queues(_config(6), ["src.workato"]) == DEFAULT_VENDOR_CONCURRENCY
    assert concurrency_for_queues(_config(6), ["src.workato", "src.pipedrive"]) == 6


def test_compose_leaves_the_pipedrive_worker_s_concurrency_to_the_config() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    command = services["worker-pipedrive"]["command"]
    assert command[:4] == ["celery", "-A", "workers", "worker"]
    assert "-c" not in command
    assert "--concurrency" not in command
