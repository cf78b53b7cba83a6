"""GGUF files at hand: the one given by `--gguf`, or those in the workspace.

A GGUF file is the model as one file: what `ollama create` imports and what
llama-server and vLLM load. It is recognised by its first four bytes (`GGUF`), never
by its name alone. The workspace is searched two folders deep at most, skipping hidden
folders, virtual environments and `node_modules`, and stops after `MAX_ENTRIES`
entries, so a large repository costs little.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

MAGIC: Final = b"GGUF"
SUFFIX: Final = ".gguf"
MAX_DEPTH: Final = 2  # the folder itself is depth 0
MAX_ENTRIES: Final = 5000
SKIPPED_FOLDERS: Final = frozenset({"node_modules", "venv", "__pycache__", "site-packages"})


class GgufProblem(Exception):
    """A file given as GGUF that cannot be used: missing, unreadable or not GGUF."""


@dataclass(frozen=True)
class GgufFile:
    path: Path  # absolute
    size: int  # bytes
    source: str  # "--gguf" or "workspace"


def is_gguf(path: Path) -> bool:
    """True when `path` is a regular file that starts with the GGUF magic."""
    try:
        with path.open("rb") as stream:
            return stream.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def given_gguf(path: Path) -> GgufFile:
    """The file named by `--gguf`; raises `GgufProblem` saying what is wrong with it."""
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise GgufProblem(f"--gguf {path}: no such file")
    try:
        with resolved.open("rb") as stream:
            head = stream.read(len(MAGIC))
    except OSError as error:
        raise GgufProblem(f"--gguf {path}: cannot be read ({error.strerror or error})") from error
    if head != MAGIC:
        raise GgufProblem(f"--gguf {path}: not a GGUF file (it does not start with 'GGUF')")
    return GgufFile(resolved, resolved.stat().st_size, "--gguf")


def workspace_ggufs(folder: Path) -> tuple[GgufFile, ...]:
    """The GGUF files in `folder` and up to two folders below, largest first."""
    found = [
        GgufFile(path, size, "workspace") for path, size in _candidates(folder) if is_gguf(path)
    ]
    return tuple(sorted(found, key=lambda gguf: (-gguf.size, str(gguf.path))))


def _candidates(folder: Path) -> Iterator[tuple[Path, int]]:
    pending = [(folder.resolve(), 0)]
    seen = 0
    while pending:
        current, depth = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                return
            yield from _entry(entry, depth, pending)


def _entry(
    entry: os.DirEntry[str], depth: int, pending: list[tuple[Path, int]]
) -> Iterator[tuple[Path, int]]:
    try:
        if entry.is_dir(follow_symlinks=False):
            if depth < MAX_DEPTH and not _skipped(entry.name):
                pending.append((Path(entry.path), depth + 1))
        elif entry.name.lower().endswith(SUFFIX) and entry.is_file():
            yield Path(entry.path), entry.stat().st_size
    except OSError:
        return


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDERS
