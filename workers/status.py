"""`tajo connectors status`: recent jobs and the cursors of every stream."""

from __future__ import annotations

from tasks import jobs
from tasks.runtime import transaction
from workers.celery_app import install_runtime
from workers.output import console, table
from workers.settings import get_settings


def print_status() -> None:
    install_runtime(get_settings())
    with transaction() as session:
        recent = jobs.recent_jobs(session)
        cursors = jobs.all_cursors(session)
        console.print(
            table(
                "jobs",
                [
                    "id",
                    "connector",
                    "resource",
                    "mode",
                    "status",
                    "fetched",
                    "written",
                    "unchanged",
                    "dead letters",
                    "error",
                    "started",
                    "finished",
                ],
                [
                    [
                        j.id,
                        j.connector,
                        j.resource,
                        j.mode,
                        j.status,
                        j.fetched,
                        j.written,
                        j.unchanged,
                        j.dead_lettered,
                        _error(j.error_category, j.error),
                        j.started_at,
                        j.finished_at,
                    ]
                    for j in recent
                ],
            )
        )
        console.print(
            table(
                "cursors",
                ["connector", "resource", "value", "updated"],
                [[c.connector, c.resource, c.value, c.updated_at] for c in cursors],
            )
        )


def _error(category: str | None, message: str | None) -> str | None:
    if not category:
        return None
    return f"{category}: {(message or '')[:80]}"
