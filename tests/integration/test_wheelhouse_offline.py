"""The linux-x64 wheelhouse installs and runs with no network at all: inside a network
namespace with loopback only, with every package index and proxy pointed at an
unreachable address and pip's configuration files and variables neutralised, its
install script makes a fresh virtual environment from the shipped wheels alone, and the
installed `siyada check` parses a file of each compiled grammar and reviews it against
the model double started in the same namespace.

The archive comes from `npm run package:all` (scripts/test.sh runs it first in CI);
without it the test is skipped here, and fails under CI=true."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from release.lock import read_lock

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "dist" / "vsix" / "manifest.json"
SCRIPT = Path(__file__).with_name("wheelhouse_offline.sh")
# A private address no route of the namespace leads to; https, since pip ignores an
# http index it is not told to trust, which would prove nothing.
UNREACHABLE = "https://10.255.255.1:9"

# One function per compiled grammar family the wheelhouse carries; the double reports a
# finding on each line with BENCH_MARK, so a finding per file proves its grammar loaded.
SOURCES = {
    "load.py": "def load(blob):\n    return pickle.loads(blob)  # BENCH_MARK\n",
    "sum.go": "package m\n\nfunc Sum(x int) int {\n\treturn x + 1 // BENCH_MARK\n}\n",
    "lib.rs": "fn add(x: i32) -> i32 {\n    x + 1 // BENCH_MARK\n}\n",
    "util.ts": "function twice(x: number): number {\n  return x * 2; // BENCH_MARK\n}\n",
    "calc.cpp": "int half(int x) {\n  return x / 2; // BENCH_MARK\n}\n",
}


def fail_or_skip(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI runs `npm run package:all` before the tests)")
    pytest.skip(reason)


def linux_wheelhouse() -> Path:
    if not MANIFEST.is_file():
        fail_or_skip(f"{MANIFEST.relative_to(ROOT)} is missing: run `npm run package:all`")
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    entry = manifest["targets"].get("linux-x64")
    if entry is None:
        fail_or_skip("the last `npm run package:all` built no linux-x64 wheelhouse")
    archive = ROOT / "dist" / "wheelhouse" / entry["wheelhouse"]["file"]
    if not archive.is_file():
        fail_or_skip(f"{archive.relative_to(ROOT)} is missing: run `npm run package:all`")
    return archive


def namespace_command() -> list[str]:
    """`unshare --net`; as a user other than root, in a user namespace of its own."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        fail_or_skip("unshare (util-linux) and ip (iproute2) are needed")
    return ["unshare", "--net"] if os.geteuid() == 0 else ["unshare", "--net", "--map-root-user"]


def offline_environment(home: Path) -> dict[str, str]:
    """This process's environment without pip's settings and proxies, then every index
    and proxy pointed at an address that cannot be reached."""
    keep = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith("PIP_") and "PROXY" not in key.upper()
    }
    return {
        **keep,
        "HOME": str(home),
        "PIP_CONFIG_FILE": os.devnull,  # pip then reads no configuration file at all
        "PIP_INDEX_URL": f"{UNREACHABLE}/simple",
        "PIP_EXTRA_INDEX_URL": f"{UNREACHABLE}/extra",
        "PIP_NO_CACHE_DIR": "1",
        "HTTP_PROXY": UNREACHABLE,
        "HTTPS_PROXY": UNREACHABLE,
        "http_proxy": UNREACHABLE,
        "https_proxy": UNREACHABLE,
        "PYTHON": sys.executable,
        "REPO_PYTHON": sys.executable,
        "REPO_ROOT": str(ROOT),
    }


def test_the_linux_wheelhouse_installs_and_reviews_with_no_network(tmp_path: Path) -> None:
    archive = linux_wheelhouse()
    command = namespace_command()
    project = tmp_path / "project"
    project.mkdir()
    for name, text in SOURCES.items():
        (project / name).write_text(text, encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()

    result = subprocess.run(
        [*command, "bash", str(SCRIPT), str(archive), str(work), str(project)],
        env=offline_environment(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "== links: lo \n" in out
    assert (
        "the configured index, through the configured proxy: Errno 101] Network is unreachable"
        in out
    )
    assert "the public index, no proxy: Errno -3] Temporary failure in name resolution" in out
    assert "Siyada 0.1.0 is installed in" in out
    assert "usage: siyada" in out
    installed = out.split("== installed\n", 1)[1].split("== ", 1)[0].split()
    locked = {str(pin) for pin in read_lock()}
    assert locked | {"siyada==0.1.0"} <= {line.replace("_", "-").lower() for line in installed}
    assert "check exit status: 1" in out
    findings = json.loads(out.split("check exit status: 1\n", 1)[1])
    assert sorted(Path(f["path"]).name for f in findings) == sorted(SOURCES)
    assert {f["title"] for f in findings} == {"Untrusted data is unpickled"}


def test_the_install_script_refuses_a_python_it_carries_no_wheels_for(tmp_path: Path) -> None:
    archive = linux_wheelhouse()
    shutil.unpack_archive(archive, tmp_path)
    (script,) = tmp_path.glob("siyada-*/install.sh")
    old_python = tmp_path / "python3.10"
    old_python.write_text("#!/bin/sh\necho 3.10\n")
    old_python.chmod(0o755)
    result = subprocess.run(
        ["sh", str(script), str(tmp_path / "venv")],
        env={**os.environ, "PYTHON": str(old_python)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert (
        f"error: {old_python} is Python 3.10; this wheelhouse carries wheels for Python "
        "3.11 3.12 3.13 3.14 only." in result.stderr
    )
    assert not (tmp_path / "venv").exists()
