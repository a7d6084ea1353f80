"""How the CLI prints: tables on stdout, one-line errors on stderr, secrets masked."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

#: Piped output (logs, scripts, tests) gets wide lines instead of columns squeezed to 80.
PIPED_WIDTH = 200
console = Console()
if not console.is_terminal:
    console = Console(width=PIPED_WIDTH)
errors = Console(stderr=True)


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    result = Table(title=title, title_justify="left")
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*(cell_text(value) for value in row))
    return result


def cell_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    return str(value)


def fail(message: str) -> None:
    # One line whatever the terminal's width: scripts and operators grep these.
    # Escaped: key paths like `webhooks[0]` are text, not rich markup.
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
