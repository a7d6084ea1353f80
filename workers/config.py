"""Loads tajo.yaml: `${VAR}` interpolation, then validation into connectors.config.TajoConfig.

Every problem becomes a ConfigError naming the key path (`connectors.pipedrive.api_token`), so
`tajo config check` and the workers can report it in one line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from connectors.config import TajoConfig
from connectors.core.errors import ConfigError

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def _key_path(parts: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in parts)


def interpolate(value: Any, env: Mapping[str, str], path: tuple[Any, ...] = ()) -> Any:
    """Replace `${VAR}` (or `${VAR:-default}`) in every string; an unset VAR names its key."""
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in env:
                return env[name]
            if default is not None:
                return default
            raise ConfigError(_key_path(path), f"environment variable {name} is not set")

        return _VAR.sub(substitute, value)
    if isinstance(value, dict):
        return {k: interpolate(v, env, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env, (*path, i)) for i, v in enumerate(value)]
    return value


def parse_config(text: str, env: Mapping[str, str] | None = None) -> TajoConfig:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError("", f"not valid YAML{where}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError("", "the config must be a mapping at the top level")
    data = interpolate(raw, os.environ if env is None else env)
    try:
        return TajoConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(_key_path(first["loc"]), _describe(first)) from None


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    # Pydantic's message names the expected type; the offending value is left out on purpose
    # because it may be a secret.
    return str(error.get("msg", "invalid value"))


def load_config(path: Path, *, required: bool = False) -> TajoConfig:
    """Read and validate the config file; a missing default file means an empty config."""
    if not path.exists():
        if required:
            raise ConfigError("", f"config file {path} does not exist")
        return TajoConfig()
    return parse_config(path.read_text(encoding="utf-8"))


class ConfigCache:
    """Re-reads the file when it changes, so a rotated secret reaches the next task."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stamp: tuple[float, int] | None = None
        self._config: TajoConfig | None = None

    def get(self) -> TajoConfig:
        try:
            stat = self._path.stat()
            stamp: tuple[float, int] | None = (stat.st_mtime, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if self._config is None or stamp != self._stamp:
            self._config = load_config(self._path)
            self._stamp = stamp
        return self._config
