"""The `tajo` command line as a user runs it: a real process, its output and exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

TAJO = str(Path(sys.executable).parent / "tajo")
SECRET = "pd-secret-value-that-must-not-print"

CONFIG = """
brevo:
  api_key: "${BREVO_API_KEY}"
connectors:
  pipedrive:
    enabled: true
    api_token: "${PIPEDRIVE_API_TOKEN}"
    company_domain: "yourcompany"
    sync: {persons: true, deals: true}
    lists: {all_contacts: 60}
"""


def _tajo(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [TAJO, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_config_check_prints_the_plan_with_secrets_masked(tmp_path: Path) -> None:
    config = tmp_path / "tajo.yaml"
    config.write_text(CONFIG)
    done = _tajo(
        "config",
        "check",
        "--config",
        str(config),
        env={"PIPEDRIVE_API_TOKEN": SECRET, "BREVO_API_KEY": "xkeysib-also-secret"},
    )
    assert done.returncode == 0, done.stderr
    plan = json.loads(done.stdout)
    pipedrive = plan["connectors"]["pipedrive"]
    assert pipedrive["api_token"] == "********"
    assert pipedrive["base_url"] == "https://yourcompany.pipedrive.com"
    assert pipedrive["streams"] == ["deals", "persons"]
    assert pipedrive["not_yet_supported"] == []
    assert SECRET not in done.stdout + done.stderr
    assert "xkeysib-also-secret" not in done.stdout + done.stderr


def test_config_check_exits_2_naming_the_key_of_an_unset_variable(tmp_path: Path) -> None:
    config = tmp_path / "tajo.yaml"
    config.write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if k not in ("PIPEDRIVE_API_TOKEN",)}
    env["BREVO_API_KEY"] = "x"
    done = subprocess.run(
        [TAJO, "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 2
    assert "connectors.pipedrive.api_token" in done.stderr
    assert "PIPEDRIVE_API_TOKEN" in done.stderr
    assert "Traceback" not in done.stderr


def test_config_check_exits_2_on_an_unknown_key_and_on_a_missing_file(tmp_path: Path) -> None:
    config = tmp_path / "tajo.yaml"
    config.write_text(CONFIG.replace("    enabled: true\n", "    enabled: true\n    colour: 1\n"))
    done = _tajo(
        "config",
        "check",
        "--config",
        str(config),
        env={"PIPEDRIVE_API_TOKEN": "x", "BREVO_API_KEY": "y"},
    )
    assert done.returncode == 2
    assert "connectors.pipedrive.colour: unknown key" in done.stderr
    missing = _tajo("config", "check", "--config", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr


def test_sandbox_serve_prints_its_base_urls_first_and_serves_them() -> None:
    process = subprocess.Popen(
        [TAJO, "sandbox", "serve", "--records", "25", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        urls = json.loads(process.stdout.readline())
        assert set(urls) >= {"pipedrive", "brevo"}
        assert urls["brevo"].endswith("/v3")
        persons = httpx.get(
            f"{urls['pipedrive']}/api/v2/persons",
            headers={"x-api-token": "any"},
            params={"limit": 100},
        )
        assert persons.status_code == 200
        assert len(persons.json()["data"]) == 25
        attributes = httpx.get(f"{urls['brevo']}/contacts/attributes", headers={"api-key": "k"})
        assert attributes.status_code == 200
    finally:
        process.terminate()
        process.wait(15)


def test_db_upgrade_migrates_an_empty_database_and_is_idempotent(tmp_path: Path) -> None:
    env = {"TAJO_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    first, second = _tajo("db", "upgrade", env=env), _tajo("db", "upgrade", env=env)
    assert first.returncode == second.returncode == 0, first.stderr
    assert "up to date" in second.stdout


def test_config_check_names_a_bad_deal_stage_mapping_key(tmp_path: Path) -> None:
    config = tmp_path / "tajo.yaml"
    config.write_text(
        "brevo: {api_key: k}\n"
        "connectors:\n"
        "  pipedrive:\n"
        "    api_token: t\n"
        "    company_domain: x\n"
        "    sync: {persons: true, deals: true}\n"
        '    deal_stage_mapping: {1: 61, "won": 63, "lsot": 64}\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "workers.cli", "config", "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "connectors.pipedrive.deal_stage_mapping.lsot" in result.stderr
