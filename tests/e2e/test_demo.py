"""`tajo demo --once`: the whole product on the embedded stack, as `make demo` runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TAJO = str(Path(sys.executable).parent / "tajo")


def test_the_demo_syncs_every_stream_of_both_connectors_on_the_embedded_stack(
    tmp_path: Path, unused_port: int
) -> None:
    # No broker or database URL: the demo must bring its own Redis and SQLite.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAJO_")}
    env["TAJO_VAR_DIR"] = str(tmp_path / "var")
    done = subprocess.run(
        [TAJO, "demo", "--once", "--records", "100", "--flower-port", str(unused_port)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "every record accounted for" in done.stdout
    assert "yes" in done.stdout.split("every record accounted for")[1].splitlines()[0]
    for stream in ("pipedrive deals", "pipedrive leads", "shopify orders", "shopify carts"):
        assert stream in done.stdout
    assert "the sandbox Brevo holds" in done.stdout
    assert (tmp_path / "var" / "demo" / "tajo.db").exists()
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "the demo left processes running"
