"""Where Ollama keeps its models on this machine, from local facts only.

`OLLAMA_MODELS` when set (as this process sees it; a service may be started with its
own). Otherwise `~/.ollama/models` on Linux and macOS, `%USERPROFILE%\\.ollama\\models`
on Windows; on Linux, Ollama's install script runs it as a system service under the
`ollama` user, whose models are in `/usr/share/ollama/.ollama/models`, so that folder
wins when the service is installed here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Final

LINUX_SERVICE_FOLDER: Final = Path("/usr/share/ollama/.ollama/models")
LINUX_SERVICE_UNITS: Final = (
    Path("/etc/systemd/system/ollama.service"),
    Path("/usr/lib/systemd/system/ollama.service"),
    Path("/lib/systemd/system/ollama.service"),
)
HOME_FOLDER: Final = Path(".ollama") / "models"
SYSTEM_NAMES: Final = {"linux": "Linux", "darwin": "macOS"}


@dataclass(frozen=True)
class ModelsFolder:
    path: str
    # Why this folder: "OLLAMA_MODELS is set", "Ollama's system service", "the default on linux".
    basis: str


def ollama_models_folder(
    platform: str,
    environ: Mapping[str, str] = os.environ,
    home: Path | None = None,
    service_installed: bool | None = None,
) -> ModelsFolder:
    configured = environ.get("OLLAMA_MODELS", "").strip()
    if configured:
        return ModelsFolder(configured, "OLLAMA_MODELS is set")
    if platform == "win32":
        profile = environ.get("USERPROFILE", "").strip() or "%USERPROFILE%"
        return ModelsFolder(
            str(PureWindowsPath(profile, ".ollama", "models")), "the default on Windows"
        )
    if platform.startswith("linux"):
        if service_installed is None:
            service_installed = _linux_service_installed()
        if service_installed:
            return ModelsFolder(str(LINUX_SERVICE_FOLDER), "Ollama's system service")
    user_home = home if home is not None else Path.home()
    system = SYSTEM_NAMES.get(platform, platform)
    return ModelsFolder(str(user_home / HOME_FOLDER), f"the default on {system}")


def _linux_service_installed() -> bool:
    return LINUX_SERVICE_FOLDER.is_dir() or any(unit.is_file() for unit in LINUX_SERVICE_UNITS)
