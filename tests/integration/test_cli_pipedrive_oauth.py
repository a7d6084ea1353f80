"""`tajo config check` with Pipedrive OAuth, as a user runs it: a real process and its exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TAJO = str(Path(sys.executable).parent / "tajo")
CLIENT_SECRET = "oauth-client-secret-that-must-not-print"
REFRESH_TOKEN = "oauth-refresh-token-that-must-not-print"

CONFIG = f"""
brevo:
  api_key: "xkeysib-check"
connectors:
  pipedrive:
    enabled: true
    company_domain: "yourcompany"
    sync: {{persons: true}}
    lists: {{all_contacts: 60}}
    oauth:
      client_id: "app-id"
      client_secret: "{CLIENT_SECRET}"
      refresh_token: "{REFRESH_TOKEN}"
"""


def check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "tajo.yaml"
    config.write_text(text)
    return subprocess.run(
        [TAJO, "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_config_check_prints_an_oauth_plan_with_its_secrets_masked(tmp_path: Path) -> None:
    done = check(tmp_path, CONFIG)
    assert done.returncode == 0, done.stderr
    oauth = json.loads(done.stdout)["connectors"]["pipedrive"]["oauth"]
    assert oauth["client_id"] == "app-id"
    assert oauth["client_secret"] == oauth["refresh_token"] == "********"
    assert oauth["access_token"] is None
    for secret in (CLIENT_SECRET, REFRESH_TOKEN):
        assert secret not in done.stdout + done.stderr


def test_config_check_exits_2_when_both_or_neither_credential_is_set(tmp_path: Path) -> None:
    both = check(tmp_path, CONFIG.replace("    oauth:\n", '    api_token: "t"\n    oauth:\n'))
    neither = check(tmp_path, CONFIG.split("    oauth:\n")[0])
    for done in (both, neither):
        assert done.returncode == 2
        assert "connectors.pipedrive" in done.stderr
        assert "api_token" in done.stderr
        assert "oauth" in done.stderr
        assert "Traceback" not in done.stderr
        assert CLIENT_SECRET not in done.stderr
    assert "both set" in both.stderr
