"""What every benchmark case shares: its configuration, the rows it adds to the table,
the simulated model's setup and the waits on the server."""

from __future__ import annotations

import asyncio
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inputs import Module
from lsp_session import Session

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.review.prompt import SYSTEM_PROMPT
from tests.model_server import ChatRecord, ModelSpeed, OllamaDouble, marker_findings

WAIT = float(os.environ.get("SIYADA_BENCH_WAIT", "600"))  # seconds; reached only when broken


@dataclass(frozen=True)
class Config:
    speed: ModelSpeed
    edits: int
    reopens: int
    debounce_ms: int
    jobs: int
    workdir: Path
    context: str = "function"  # the `context` setting of the servers started


@dataclass
class Row:
    figure: str
    siyada: str
    baseline: str = ""
    target: str = ""
    passed: bool | None = None


@dataclass
class Outcome:
    rows: list[Row] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p95 is a measured value)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def write_module(folder: Path, module: Module) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{module.name}.py"
    path.write_text(module.text, encoding="utf-8")
    return path, path.as_uri()


def unit_count(modules: Sequence[Module]) -> int:
    spec = language_for("python", "x.py")
    assert spec is not None
    return len({u.hash for m in modules for u in extract_functions(spec, m.text)})


def simulated_model(speed: ModelSpeed, slots: int = 1) -> OllamaDouble:
    """The benchmark's model: the fake Ollama at `speed` with `slots`, reporting a finding
    for each reviewed line carrying MARKER."""
    return OllamaDouble(timing=speed, slots=slots, default_answer=marker_findings)


def server_options(sim: OllamaDouble, config: Config, cache: Path) -> dict[str, Any]:
    # cacheDir is where the persistent answer cache lives; XDG_CACHE_HOME (set by
    # Session.start) isolates it too, for a server that predates the setting.
    return {
        "endpoint": sim.url,
        "debounceMs": config.debounce_ms,
        "cacheDir": str(cache),
        "context": config.context,
    }


async def start_session(
    sim: OllamaDouble, options: dict[str, Any], cache: Path, cwd: Path
) -> Session:
    session = await Session.start(options, cache_home=cache, cwd=cwd)
    loop = asyncio.get_running_loop()
    # The simulated model runs in another thread: wake the session's waiters from there.
    sim.on_change = lambda: loop.call_soon_threadsafe(session.nudge)
    return session


async def wait_reviewed(
    session: Session, sim: OllamaDouble, since: float, expected: int, what: str
) -> list[ChatRecord]:
    """Until `expected` chats since `since` are answered and the server reports idle."""

    def done() -> bool:
        count, last_byte = sim.answered(since)
        return count >= expected and session.idle_since(last_byte)

    try:
        await session.until(done, WAIT, what)
    except TimeoutError as error:
        seen = f"{sim.answered(since)[0]} of {expected} answered, {session.pending()} pending"
        raise TimeoutError(f"{error} ({seen})") from None
    return sim.completed(since)


def whole_file_messages(module: Module) -> list[dict[str, str]]:
    """What a whole-file reviewer sends on each change: the same instructions, the file."""
    user = f"Review this python file: {module.name}.py\n\n```python\n{module.text}\n```"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def ms_pair(values: Sequence[float]) -> str:
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f} ms"
