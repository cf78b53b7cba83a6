"""scripts/e2e-setup.sh on a clean machine: node-gyp must build against local headers.

The script runs with a fake home folder and fake `node`, `npm` and Debian tools on
PATH, so nothing is installed or downloaded: the tests check what the script hands
npm, and that it stops with a clear message before npm when no headers fit.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "e2e-setup.sh"
NODE_VERSION = "20.99.1"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def write_headers(prefix: Path, version: str) -> None:
    major, minor, patch = version.split(".")
    header = prefix / "include" / "node" / "node_version.h"
    header.parent.mkdir(parents=True, exist_ok=True)
    header.write_text(
        "#ifndef SRC_NODE_VERSION_H_\n"
        f"#define NODE_MAJOR_VERSION {major}\n"
        f"#define NODE_MINOR_VERSION {minor}\n"
        f"#define NODE_PATCH_VERSION {patch}\n"
        "#define NODE_STRINGIFY(n) NODE_STRINGIFY_HELPER(n)\n"
        "#endif\n"
    )


def write_tool(folder: Path, name: str, body: str) -> None:
    tool = folder / name
    tool.write_text(f"#!/bin/sh\n{body}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)


@dataclass(frozen=True)
class Machine:
    """A fake Node installation under `prefix` (its binary is prefix/bin/node)."""

    root: Path
    prefix: Path
    home: Path
    cache: Path

    @property
    def npm_log(self) -> Path:
        return self.root / "npm-calls"

    def env(self) -> dict[str, str]:
        path = f"{self.prefix / 'bin'}:/usr/bin:/bin"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("npm_", "XDG_"))}
        return env | {"HOME": str(self.home), "SIYADA_E2E_CACHE": str(self.cache), "PATH": path}

    def run_setup(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(SCRIPT)],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    prefix = tmp_path / "opt" / "node"
    bin_dir = prefix / "bin"
    bin_dir.mkdir(parents=True)
    (tmp_path / "home").mkdir()
    machine = Machine(tmp_path, prefix, tmp_path / "home", tmp_path / "e2e-cache")
    node_answers = {
        "process.execPath": str(bin_dir / "node"),
        "process.versions.node": NODE_VERSION,
        'process.versions.node.split(".")[0]': NODE_VERSION.split(".")[0],
    }
    cases = "\n".join(f"  '{expr}') echo '{out}' ;;" for expr, out in node_answers.items())
    write_tool(
        bin_dir,
        "node",
        f'if [ "$1" = -v ]; then echo v{NODE_VERSION}; exit 0; fi\n'
        f'case "$2" in\n{cases}\n  *) echo "unexpected node $*" >&2; exit 9 ;;\nesac',
    )
    # npm records the headers folder it was given instead of installing anything.
    write_tool(bin_dir, "npm", f'echo "nodedir=$npm_config_nodedir $*" >> {machine.npm_log}')
    for present in ("chromium", "rg", "make", "g++", "dpkg", "nvim"):
        write_tool(bin_dir, present, "exit 0")
    for forbidden in ("apt-get", "sudo", "curl", "wget"):
        write_tool(bin_dir, forbidden, f'echo "{forbidden} must not run" >&2; exit 97')
    return machine


def test_case15_setup_builds_against_the_headers_beside_node(machine: Machine) -> None:
    write_headers(machine.prefix, NODE_VERSION)

    result = machine.run_setup()

    assert result.returncode == 0, result.stderr
    calls = machine.npm_log.read_text().splitlines()
    assert calls == [
        f"nodedir={machine.prefix} install --no-save --no-audit --no-fund code-server@4.100.3"
    ]
    launcher = machine.cache / "code-server-4.100.3" / "node_modules" / ".bin" / "code-server"
    assert result.stdout.splitlines()[-1] == str(launcher)
    # Nothing lands in the (new) home folder: no node-gyp header download, no cache.
    assert list(machine.home.iterdir()) == []


def test_case15_setup_uses_headers_node_gyp_already_cached_in_home(machine: Machine) -> None:
    cached = machine.home / ".cache" / "node-gyp" / NODE_VERSION
    write_headers(cached, NODE_VERSION)

    result = machine.run_setup()

    assert result.returncode == 0, result.stderr
    assert machine.npm_log.read_text().startswith(f"nodedir={cached} install ")


def test_case15_missing_headers_stop_before_npm_saying_what_to_install(
    machine: Machine,
) -> None:
    write_headers(machine.prefix, "20.1.0")

    result = machine.run_setup()

    assert result.returncode == 1
    assert not machine.npm_log.exists()
    message = result.stderr
    assert f"the headers of Node v{NODE_VERSION} are not on this machine" in message
    assert f"ignoring the Node v20.1.0 headers in {machine.prefix}/include/node" in message
    assert "libnode-dev" in message and "npm_config_nodedir" in message
    assert f"{machine.prefix}/include/node" in message


def test_case15_an_npm_config_nodedir_that_fits_is_kept(machine: Machine) -> None:
    chosen = machine.root / "headers"
    write_headers(chosen, NODE_VERSION)
    write_headers(machine.prefix, NODE_VERSION)

    result = subprocess.run(
        ["bash", str(SCRIPT)],
        env=machine.env() | {"npm_config_nodedir": str(chosen)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert machine.npm_log.read_text().startswith(f"nodedir={chosen} install ")


def test_case15_an_installed_code_server_needs_no_headers(machine: Machine) -> None:
    prefix = machine.cache / "code-server-4.100.3"
    launcher = prefix / "node_modules" / ".bin" / "code-server"
    launcher.parent.mkdir(parents=True)
    write_tool(launcher.parent, "code-server", "exit 0")
    (prefix / ".installed").touch()

    result = machine.run_setup()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(launcher)
    assert not machine.npm_log.exists()
