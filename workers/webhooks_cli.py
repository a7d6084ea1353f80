"""`tajo webhooks ...`: run the ingress, and manage the subscriptions at the vendor."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
from rich.table import Table

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError, SyncError
from connectors.core.webhooks import PUSHED_MODES
from connectors.pipedrive.settings import PipedriveSettings
from connectors.pipedrive.webhooks import OBJECTS, Subscription, WebhookAdmin, register
from workers.output import console, fail, table
from workers.webhooks_shopify import list_shopify, register_shopify

EXIT_CONFIG = 2
#: Connectors whose subscriptions `register` and `list` can manage.
MANAGED = ("pipedrive", "shopify")
LIST_COLUMNS = ["id", "event", "url", "version", "user", "active", "last status"]


def _config() -> TajoConfig:
    from workers.config import load_config
    from workers.settings import get_settings

    return load_config(get_settings().config)


def _pipedrive(config: TajoConfig) -> PipedriveSettings:
    settings = config.connectors.pipedrive
    if settings is None or not settings.enabled:
        raise ConfigError("connectors.pipedrive", "the connector is not configured or disabled")
    return settings


def subscriptions(settings: PipedriveSettings) -> list[Subscription]:
    """One `*.<object>` subscription per resource synced in realtime or hybrid mode."""
    pushed = sorted(r for r, mode in settings.modes.items() if mode in PUSHED_MODES)
    unknown = [r for r in pushed if r not in OBJECTS]
    if unknown:
        raise ConfigError(f"connectors.pipedrive.modes.{unknown[0]}", "unknown resource")
    if not pushed:
        raise ConfigError("connectors.pipedrive.modes", "no resource is in realtime or hybrid mode")
    return [Subscription("*", OBJECTS[resource]) for resource in pushed]


def subscription_url(public_url: str, connector: str) -> str:
    """The ingress URL for a connector: `public_url` as given when it already names the
    connector's path, else with `/webhooks/<connector>` appended."""
    base = public_url.rstrip("/")
    path = f"/webhooks/{connector}"
    return base if base.endswith(path) else base + path


@click.group()
def webhooks() -> None:
    """The webhook ingress (hybrid and realtime modes) and the vendors' subscriptions."""


@webhooks.command("serve")
@click.option("--host", envvar="TAJO_WEBHOOKS_HOST", default="127.0.0.1", show_default=True)
@click.option(
    "--port", envvar="TAJO_WEBHOOKS_PORT", type=click.IntRange(0, 65535), default=8080,
    show_default=True,
)  # fmt: skip
def webhooks_serve(host: str, port: int) -> None:
    """Receive vendor webhooks: verify, dedupe, debounce, enqueue sync.refetch."""
    from workers.webhooks.serve import serve
    from workers.webhooks.settings import IngressSettings

    try:
        _config()
    except ConfigError as exc:
        fail(f"config: {exc}")
        sys.exit(EXIT_CONFIG)
    serve(IngressSettings(host=host, port=port))


@webhooks.command("register")
@click.argument("connector", type=click.Choice(MANAGED))
@click.option("--url", "public_url", required=True, help="The ingress's public base URL.")
@click.option(
    "--replace", is_flag=True, help="Recreate matching subscriptions (after a password change)."
)
def webhooks_register(connector: str, public_url: str, replace: bool) -> None:
    """Create the vendor's subscriptions for this ingress (idempotent)."""
    if connector == "shopify":
        _run(lambda: register_shopify(_config(), subscription_url(public_url, connector)))
        return
    try:
        settings = _pipedrive(_config())
        wanted = subscriptions(settings)
        if settings.webhook_auth is None:
            raise ConfigError(
                "connectors.pipedrive.webhook_auth", "set the credentials Pipedrive should send"
            )
        url = subscription_url(public_url, connector)
        with WebhookAdmin(settings) as admin:
            done = register(admin, url, settings.webhook_auth, wanted, replace=replace)
    except ConfigError as exc:
        fail(f"config: {exc}")
        sys.exit(EXIT_CONFIG)
    except SyncError as exc:
        fail(str(exc))
        sys.exit(1)
    rows = [
        *((hook.get("id"), "kept", _event(hook)) for hook in done.kept),
        *((hook.get("id"), "replaced (deleted)", _event(hook)) for hook in done.replaced),
        *((hook.get("id"), "created", _event(hook)) for hook in done.created),
    ]
    console.print(table(f"{connector} webhooks -> {url}", ["id", "what", "event"], rows))


@webhooks.command("list")
@click.argument("connector", type=click.Choice(MANAGED))
def webhooks_list(connector: str) -> None:
    """The vendor's webhook subscriptions for this account."""
    if connector == "shopify":
        _run(lambda: list_shopify(_config()))
        return
    try:
        settings = _pipedrive(_config())
        with WebhookAdmin(settings) as admin:
            hooks = admin.list()
    except ConfigError as exc:
        fail(f"config: {exc}")
        sys.exit(EXIT_CONFIG)
    except SyncError as exc:
        fail(str(exc))
        sys.exit(1)
    rows = [
        (
            hook.get("id"),
            _event(hook),
            hook.get("subscription_url"),
            hook.get("version"),
            hook.get("http_auth_user"),
            hook.get("is_active"),
            hook.get("last_http_status"),
        )
        for hook in hooks
    ]
    console.print(table(f"{connector} webhooks", LIST_COLUMNS, rows))


def _run(command: Callable[[], Table]) -> None:
    """Print what the command returns; a config problem exits 2, a vendor error 1."""
    try:
        shown = command()
    except ConfigError as exc:
        fail(f"config: {exc}")
        sys.exit(EXIT_CONFIG)
    except SyncError as exc:
        fail(str(exc))
        sys.exit(1)
    console.print(shown)


def _event(hook: dict[str, object]) -> str:
    return f"{hook.get('event_action')}.{hook.get('event_object')}"
