"""A real inference engine for tests: llama.cpp's llama-server with Gemma 3 270M.

`scripts/llama-server-setup.sh` builds the server and assembles the model into a cache
folder outside the repository; CI runs it before the tests. Here we only locate them
(`--locate`, which builds nothing) and run the server on 127.0.0.1:

    found = locate()            # Engine, or the reason it is not there
    with LlamaServer(found) as server:
        server.url              # http://127.0.0.1:PORT/v1

The server is ready when it logs its listening address, which it does only after the
model is loaded; a restart (`stop()` then `start()`) reuses the port, as a restarted
real server would.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final

import pytest

SETUP_SCRIPT: Final = Path(__file__).parents[1] / "scripts" / "llama-server-setup.sh"
MODEL_ALIAS: Final = "gemma-3-270m"
# Captured at import: the tests' autouse fixture points XDG_CACHE_HOME at a fresh
# folder per test, which must not hide the engine's cache.
_ENVIRONMENT: Final = dict(os.environ)
_LISTENING: Final = re.compile(r"listening on (http://[^\s]+):(\d+)")
_LOG_LINES_KEPT: Final = 200
_ERROR_LINE: Final = re.compile(r"^\S+ E ")  # llama.cpp's log level E


@dataclass(frozen=True)
class Engine:
    server: Path
    model: Path


def locate() -> Engine | str:
    """The built server and the model, or why they are not there."""
    try:
        done = subprocess.run(
            ["bash", str(SETUP_SCRIPT), "--locate"],
            env=_ENVIRONMENT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"could not run {SETUP_SCRIPT.name} --locate: {error}"
    lines = done.stdout.split()
    if done.returncode != 0 or len(lines) < 2:
        return done.stderr.strip() or f"{SETUP_SCRIPT.name} --locate exited {done.returncode}"
    return Engine(server=Path(lines[-2]), model=Path(lines[-1]))


class LlamaServer:
    """One llama-server process serving the model as MODEL_ALIAS on 127.0.0.1."""

    def __init__(
        self,
        engine: Engine,
        *,
        ctx_size: int = 4096,
        parallel: int = 1,
        threads: int = 1,
        api_key: str | None = None,
        extra_args: tuple[str, ...] = (),
        ready_timeout: float = 120.0,
    ) -> None:
        self.engine = engine
        self.ctx_size = ctx_size
        self.parallel = parallel
        self.threads = threads
        self.api_key = api_key
        self.extra_args = extra_args
        self.ready_timeout = ready_timeout
        self.port = 0
        self.log: deque[str] = deque(maxlen=_LOG_LINES_KEPT)
        # Every error line, however long the run: what a test counts requests by.
        self.errors: list[str] = []
        self._process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        command = [
            str(self.engine.server),
            *("-m", str(self.engine.model)),
            *("--alias", MODEL_ALIAS),
            *("--host", "127.0.0.1", "--port", str(self.port)),
            *("--ctx-size", str(self.ctx_size * self.parallel)),
            *("--parallel", str(self.parallel)),
            # One thread by default: llama.cpp's threads wait for each other by spinning,
            # and on a machine whose cores are busy with other work (a shared CI runner)
            # two threads generated 0.9 tokens/s where one generates 16.
            *("--threads", str(self.threads)),
            "--metrics",
            # Weight repacking puts weights in AMX buffers on CPUs that have AMX, and
            # AMX matrix multiplication crashes (SIGSEGV) where the kernel or hypervisor
            # does not grant AMX tile state to the process, as on our CI machines.
            "--no-repack",
            *self.extra_args,
        ]
        if self.api_key is not None:
            command += ["--api-key", self.api_key]
        return command

    def start(self) -> None:
        """Start the server and wait until it listens (the model is loaded by then)."""
        if self._process is not None:
            return
        self._process = subprocess.Popen(
            self.command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
        listening = threading.Event()
        threading.Thread(target=self._read_log, args=(listening,), daemon=True).start()
        if not listening.wait(self.ready_timeout) or self._process.poll() is not None:
            self.stop()
            tail = "\n".join(list(self.log)[-20:])
            raise RuntimeError(f"llama-server did not start:\n{tail}")

    def stop(self) -> None:
        """Kill the server at once, as a crash would (its port stays for a restart)."""
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait(timeout=30)

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _read_log(self, listening: threading.Event) -> None:
        process = self._process
        if process is None or process.stderr is None:
            return
        for line in process.stderr:
            self.log.append(line.rstrip("\n"))
            if _ERROR_LINE.match(line):
                self.errors.append(line.rstrip("\n"))
            found = _LISTENING.search(line)
            if found and not listening.is_set():
                self.port = int(found.group(2))
                listening.set()
        listening.set()  # the process ended: start() sees it and reports the log


def built_engine() -> Engine:
    """The engine for a test; skipped where it is not built, a failure in CI (which runs
    scripts/llama-server-setup.sh first), so the real-engine tests never pass unseen."""
    found = locate()
    if isinstance(found, str):
        reason = f"the real engine is not built: {found}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI runs scripts/llama-server-setup.sh before the tests)")
        pytest.skip(reason)
    return found
