"""File utilities used by the export and upload endpoints."""

from __future__ import annotations

import os
import subprocess
from collections import deque
from pathlib import Path

UPLOAD_ROOT = Path("/srv/app/uploads")
EXPORT_ROOT = Path("/srv/app/exports")


def archive_export(export_name: str) -> Path:
    target = EXPORT_ROOT / f"{export_name}.tar.gz"
    source = EXPORT_ROOT / export_name
    if not source.is_dir():
        raise FileNotFoundError(source)
    subprocess.run(
        f"tar -czf {target} -C {EXPORT_ROOT} {export_name}",
        shell=True,
        check=True,
    )
    return target


def compress_log(log_path: Path) -> Path:
    if not log_path.is_file():
        raise FileNotFoundError(log_path)
    compressed = log_path.with_suffix(log_path.suffix + ".gz")
    subprocess.run(
        ["gzip", "--keep", "--force", "--", str(log_path)],
        shell=False,
        check=True,
        timeout=120,
    )
    return compressed


def read_upload(user_id: int, filename: str) -> bytes:
    folder = os.path.join(UPLOAD_ROOT, str(user_id))
    path = os.path.join(folder, filename)
    if not os.path.exists(path):
        raise FileNotFoundError(filename)
    with open(path, "rb") as handle:
        return handle.read()


def upload_path(user_id: int, filename: str) -> Path:
    folder = (UPLOAD_ROOT / str(user_id)).resolve()
    path = (folder / filename).resolve()
    if not path.is_relative_to(folder):
        raise PermissionError(f"{filename!r} is outside the upload folder")
    if not path.is_file():
        raise FileNotFoundError(filename)
    return path


def first_error_line(log_path: Path) -> str | None:
    handle = open(log_path, encoding="utf-8", errors="replace")
    for line in handle:
        if "ERROR" in line:
            return line.rstrip("\n")
    handle.close()
    return None


def tail(log_path: Path, count: int = 20) -> list[str]:
    if count <= 0:
        return []
    with open(log_path, encoding="utf-8", errors="replace") as handle:
        last = deque(handle, maxlen=count)
    return [line.rstrip("\n") for line in last]
