"""Where Siyada keeps its cache when `siyada.cacheDir` is not set."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path


def default_cache_dir(environ: Mapping[str, str], platform: str = sys.platform) -> Path:
    """Where Siyada keeps its cache when `siyada.cacheDir` is not set.

    Linux and other Unixes: `$XDG_CACHE_HOME/siyada` (when absolute), else
    `~/.cache/siyada`. macOS: `~/Library/Caches/siyada`. Windows:
    `%LOCALAPPDATA%\\siyada\\Cache`.
    """
    if platform == "win32":
        local = environ.get("LOCALAPPDATA", "")
        base = Path(local) if local else _home(environ, "USERPROFILE") / "AppData" / "Local"
        return base / "siyada" / "Cache"
    if platform == "darwin":
        return _home(environ, "HOME") / "Library" / "Caches" / "siyada"
    xdg = environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "siyada"
    return _home(environ, "HOME") / ".cache" / "siyada"


def _home(environ: Mapping[str, str], variable: str) -> Path:
    value = environ.get(variable, "")
    return Path(value) if value else Path.home()
