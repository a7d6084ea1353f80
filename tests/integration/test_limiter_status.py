"""`tajo connectors status` shows each vendor bucket's tokens left, pause and recent 429s."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pydantic import SecretStr

from tasks import limits
from tasks.runtime import Bucket
from workers.limiter import limiter_for

TAJO = str(Path(sys.executable).parent / "tajo")
TOKEN = "pd-token-of-the-status-test"

CONFIG = """
connectors:
  pipedrive:
    api_token: "${PIPEDRIVE_API_TOKEN}"
    lists: {all_contacts: 1}
    token_budget: {daily_tokens: 30000}
    # A window longer than the CLI takes to start, so the token taken is still out when it reads.
    rate_limit: {requests: 80, per_seconds: 120}
"""


def test_status_shows_tokens_left_the_vendor_pause_and_429s_of_the_last_hour(
    tmp_path: Path, broker_url: str, database_url: str
) -> None:
    config = tmp_path / "tajo.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    credential = limits.fingerprint(SecretStr(TOKEN))
    limiter = limiter_for(broker_url)
    burst, daily = Bucket("burst", 80, 120.0), Bucket("daily", 30000, 86_400.0, fixed=True)
    assert limiter.acquire_all("pipedrive", credential, [(burst, 1), (daily, 20)]) == 0
    for _ in range(2):
        limiter.record_throttled("pipedrive", credential, "daily")
    limiter.pause_vendor("pipedrive", credential, 600.0)

    done = subprocess.run(
        [TAJO, "connectors", "status"],
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **os.environ,
            "TAJO_BROKER_URL": broker_url,
            "TAJO_DATABASE_URL": database_url,
            "TAJO_CONFIG": str(config),
            "PIPEDRIVE_API_TOKEN": TOKEN,
            "COLUMNS": "200",
        },
    )
    assert done.returncode == 0, done.stderr
    rows = {
        tuple(cell.strip() for cell in line.split("│")[1:4]): line
        for line in done.stdout.splitlines()
        if credential in line
    }
    burst_row = rows["pipedrive", credential, "burst"]
    daily_row = rows["pipedrive", credential, "daily"]
    assert "tokens left" in done.stdout
    assert "429s (1 h)" in done.stdout
    assert " 79 " in burst_row
    assert " 29980 " in daily_row
    assert daily_row.rstrip(" │").endswith("2")
    # The vendor's pause shows on every bucket of it.
    assert burst_row.split("│")[6].strip() != "-"
    assert daily_row.split("│")[6].strip() != "-"
    assert TOKEN not in done.stdout
