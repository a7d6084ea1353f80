"""Webhook benchmark: authenticated Pipedrive deliveries at a fixed rate into `tajo webhooks serve`,
real workers refetching from the sandbox Pipedrive and writing to the sandbox Brevo.

Each delivery follows a real change (the person gets a new last name at the vendor first), so
"visible" means the sandbox Brevo holds that new last name. Prints ack latency and POST-to-visible
latency (p50/p99), and ends with one line:
RESULT ack_p99_ms=<n> e2e_p99_ms=<n> lost=<n> duplicates=<n>

`lost`: deliveries whose change never became visible (within --grace seconds after the last
send). `duplicates`: single-contact writes beyond one per delivery.

The vendors' plan limits are lifted on both fakes and in the limiter (Brevo's contacts bucket is
10 requests/s, Pipedrive's burst 80 per 2 s): this measures our pipeline, not the plans.

    .venv/bin/python bench/webhooks.py --seconds 10
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connectors.pipedrive.client import present_person
from connectors.pipedrive.settings import DEFAULT_PERSON_MAPPING
from mapping.contact import compile_contact_mapping
from mapping.errors import MappingError
from sandbox.server import SandboxHandle, start_sandbox
from tests.support import infra
from tests.support.stack import BREVO_KEY, PIPEDRIVE_TOKEN, Stack, write_config
from workers.demo import prepare_brevo_account
from workers.processes import Child

HOOK_USER = "bench-hooks"
HOOK_PASSWORD = "bench-hook-password-3c1d"
TAJO = str(Path(sys.executable).parent / "tajo")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def writable_ids(sandbox: SandboxHandle, wanted: int) -> list[int]:
    """Persons the docs' mapping turns into a contact (the others are dead letters by design)."""
    mapper = compile_contact_mapping(
        DEFAULT_PERSON_MAPPING, vendor="pipedrive", resource="persons", list_ids=(60,)
    )
    emails: set[str] = set()
    found = []
    for person_id in range(1, sandbox.pipedrive.count + 1):
        try:
            operation = mapper.map(present_person(sandbox.pipedrive.person(person_id), {}))
        except MappingError:
            continue
        # Two persons sharing an email would be one Brevo contact: keep the first only.
        if operation.email is None or operation.email in emails:
            continue
        emails.add(operation.email)
        found.append(person_id)
        if len(found) == wanted:
            break
    return found


def start_ingress(stack: Stack, port: int, debounce: float) -> str:
    env = {**stack.env, "TAJO_WEBHOOKS_DEBOUNCE_SECONDS": str(debounce)}
    child = Child(
        "webhooks", [TAJO, "webhooks", "serve", "--port", str(port)],
        stack.tmp / "logs" / "webhooks.log", env,
    )  # fmt: skip
    stack.children.append(child)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return url
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the ingress did not start\n{stack.logs()}")


class Watcher:
    """Polls the Brevo fake (in this process) until each change is visible."""

    def __init__(self, sandbox: SandboxHandle) -> None:
        self.sandbox = sandbox
        self.pending: dict[int, tuple[str, float]] = {}
        self.visible: dict[int, float] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def expect(self, person_id: int, last_name: str, posted: float) -> None:
        with self.lock:
            self.pending[person_id] = (last_name, posted)

    def run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                items = list(self.pending.items())
            now = time.monotonic()
            for person_id, (last_name, posted) in items:
                contact = self.sandbox.brevo.contact_by_ext_id(f"pipedrive:persons:{person_id}")
                if contact is not None and contact["attributes"].get("LASTNAME") == last_name:
                    with self.lock:
                        self.pending.pop(person_id, None)
                        self.visible[person_id] = now - posted
            self.stop.wait(0.05)


def run(args: argparse.Namespace, tmp: Path) -> dict[str, float]:
    total = int(args.rate * args.seconds)
    sandbox = start_sandbox(
        records=max(total * 2, 100), seed=9, pipedrive_token=PIPEDRIVE_TOKEN,
        brevo_api_key=BREVO_KEY,
    )  # fmt: skip
    sandbox.pipedrive.set_rate_limit(None)
    sandbox.brevo.set_contacts_rate_limit(None)
    prepare_brevo_account(sandbox.urls["brevo"], BREVO_KEY)
    ids = writable_ids(sandbox, total)
    if len(ids) < total:
        raise SystemExit(f"only {len(ids)} writable persons for {total} deliveries")
    try:
        with infra.broker(tmp / "redis") as broker_url, infra.database(tmp) as database_url:
            config = write_config(
                tmp / "tajo.yaml", sandbox.urls,
                webhook_auth={"username": HOOK_USER, "password": HOOK_PASSWORD},
                modes={"persons": "hybrid"},
                rate_limit={"requests": 100_000, "per_seconds": 2},
            )  # fmt: skip
            text = config.read_text().replace(
                '"base_url": "' + sandbox.urls["brevo"] + '"',
                '"base_url": "' + sandbox.urls["brevo"] + '", "rate_limit": '
                '{"contacts_per_second": 100000}',
            )
            config.write_text(text)
            stack = Stack(tmp, broker_url, database_url, config)
            try:
                stack.start_worker(concurrency=args.concurrency)
                url = start_ingress(stack, args.port, args.debounce) + "/webhooks/pipedrive"
                time.sleep(3)  # let the pool fork before the clock starts
                return drive(args, sandbox, ids, url)
            finally:
                stack.stop()
    finally:
        sandbox.stop()


def drive(
    args: argparse.Namespace, sandbox: SandboxHandle, ids: list[int], url: str
) -> dict[str, float]:
    auth = "Basic " + base64.b64encode(f"{HOOK_USER}:{HOOK_PASSWORD}".encode()).decode()
    acks: list[float] = []
    failures: list[str] = []
    enqueued = 0
    watcher = Watcher(sandbox)
    watcher.thread.start()
    local = threading.local()

    def send(person_id: int) -> None:
        nonlocal enqueued
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(timeout=10)
        sandbox.pipedrive.touch([person_id])  # the change at the vendor, then its webhook
        last_name = sandbox.pipedrive.person(person_id)["last_name"]
        body: dict[str, Any] = {
            "meta": {"id": str(uuid.uuid4()), "action": "change", "entity": "person",
                     "entity_id": str(person_id), "version": "2.0", "attempt": 1},
            "data": None, "previous": None,
        }  # fmt: skip
        posted = time.monotonic()
        watcher.expect(person_id, last_name, posted)
        response = client.post(url, json=body, headers={"authorization": auth})
        acks.append(time.monotonic() - posted)
        if response.status_code != 200:
            failures.append(f"{response.status_code}")
        else:
            enqueued += response.json()["enqueued"]

    interval = 1.0 / args.rate
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.senders) as pool:
        for index, person_id in enumerate(ids):
            due = started + index * interval
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(send, person_id)
    sent_for = time.monotonic() - started
    deadline = time.monotonic() + args.grace
    while watcher.pending and time.monotonic() < deadline:
        time.sleep(0.1)
    watcher.stop.set()
    upserts = sum(
        1 for r in sandbox.brevo.requests if r["method"] == "POST" and r["path"] == "/v3/contacts"
    )
    e2e = list(watcher.visible.values())
    print(f"sent {len(ids)} deliveries in {sent_for:.1f}s ({len(ids) / sent_for:.0f}/s)")
    print(f"  non-2xx answers: {len(failures)}; refetches enqueued: {enqueued}")
    print(f"  ack latency ms: p50 {percentile(acks, 0.5) * 1000:.1f}  "
          f"p99 {percentile(acks, 0.99) * 1000:.1f}  max {max(acks) * 1000:.1f}")  # fmt: skip
    if e2e:
        p50, p99, mean = (percentile(e2e, 0.5), percentile(e2e, 0.99), statistics.mean(e2e))
        print(f"  POST -> visible in Brevo ms: p50 {p50 * 1000:.0f}  p99 {p99 * 1000:.0f}  "
              f"mean {mean * 1000:.0f}")  # fmt: skip
    print(f"  Brevo single-contact upserts: {upserts}")
    return {
        "ack_p99_ms": percentile(acks, 0.99) * 1000,
        "e2e_p99_ms": percentile(e2e, 0.99) * 1000 if e2e else float("nan"),
        "lost": len(watcher.pending) + len(failures),
        "duplicates": max(0, upserts - len(ids)) + max(0, enqueued - len(ids)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="deliveries per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes")
    parser.add_argument("--senders", type=int, default=16, help="concurrent HTTP senders")
    parser.add_argument("--debounce", type=float, default=0.25)
    parser.add_argument("--grace", type=float, default=60.0, help="seconds to wait after sending")
    parser.add_argument("--port", type=int, default=18080)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tajo-bench-webhooks-") as tmp:
        result = run(args, Path(tmp))
    print(
        f"RESULT ack_p99_ms={result['ack_p99_ms']:.0f} e2e_p99_ms={result['e2e_p99_ms']:.0f} "
        f"lost={result['lost']:.0f} duplicates={result['duplicates']:.0f}"
    )


if __name__ == "__main__":
    main()
