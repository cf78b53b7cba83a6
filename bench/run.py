"""Siyada's benchmark: the real server and `siyada check` against a simulated model.

Run: .venv/bin/python bench/run.py [--quick] [--speed-scale 1] [--edits 30] [--jobs 4]

Prints one table (figure, Siyada, whole-file baseline, target, result) and writes the
figures and raw samples as JSON to bench/results/. Inputs are generated from a fixed
seed. See bench/README.md for what each figure means and how it is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inputs import SEED, Module, generate, generate_nested
from lsp_session import Session
from simulated_ollama import (
    ChatRecord,
    ModelSpeed,
    SimulatedOllama,
    answer_for,
    evaluated_tokens,
    prompt_text,
    token_pieces,
)

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.review.prompt import SYSTEM_PROMPT, estimate_tokens

RESULTS = Path(__file__).resolve().parent / "results"
# Reviews in the memory run are answered this much faster than the published speed:
# that figure is about the server holding 100 files, not about waiting for a model.
MEMORY_SPEED_SCALE = 1000.0
MEMORY_SLOTS = 4
TARGET_OVERHEAD_MS = 20.0
TARGET_REOPEN_MS = 100.0
TARGET_RSS_MB = 150.0
# Typing pace within one edit: several keystrokes inside one debounce window.
KEYSTROKE_SECONDS = 0.06
WAIT = float(os.environ.get("SIYADA_BENCH_WAIT", "600"))  # seconds; reached only when broken


@dataclass(frozen=True)
class Config:
    speed: ModelSpeed
    edits: int
    reopens: int
    debounce_ms: int
    jobs: int
    workdir: Path


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


# -- helpers ------------------------------------------------------------------------------


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


def server_options(sim: SimulatedOllama, config: Config, cache: Path) -> dict[str, Any]:
    # cacheDir is where the persistent answer cache lives; XDG_CACHE_HOME (set by
    # Session.start) isolates it too, for a server that predates the setting.
    return {"endpoint": sim.url, "debounceMs": config.debounce_ms, "cacheDir": str(cache)}


async def start_session(
    sim: SimulatedOllama, options: dict[str, Any], cache: Path, cwd: Path
) -> Session:
    session = await Session.start(options, cache_home=cache, cwd=cwd)
    loop = asyncio.get_running_loop()
    # The simulated model runs in another thread: wake the session's waiters from there.
    sim.on_change = lambda: loop.call_soon_threadsafe(session.nudge)
    return session


async def wait_reviewed(
    session: Session, sim: SimulatedOllama, since: float, expected: int, what: str
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


# -- 1. single-function edits -----------------------------------------------------------


@dataclass
class EditTiming:
    """Milliseconds; the latencies are None when the edit reached no model call."""

    to_model_ms: float | None = None
    to_publish_ms: float | None = None
    republish_ms: float | None = None
    cpu_ms: float = 0.0
    cpu_wait_ms: float = 0.0


@dataclass
class EditSample:
    function: str
    calls: int
    prompt_tokens: int
    evaluated_tokens: int
    answer_tokens: int
    model_seconds: float
    timing: EditTiming
    baseline_prompt_tokens: int
    baseline_evaluated_tokens: int
    baseline_answer_tokens: int
    baseline_model_seconds: float


class WholeFileBaseline:
    """The cost a whole-file reviewer pays per change, with the same simulated model."""

    def __init__(self, speed: ModelSpeed, module: Module) -> None:
        self._speed = speed
        self._previous = ""
        self.opened = self.change(module)

    def change(self, module: Module) -> tuple[int, int, int, float]:
        messages = whole_file_messages(module)
        prompt = prompt_text(messages)
        evaluated = evaluated_tokens(self._previous, prompt)
        answer = len(token_pieces(answer_for(messages)))
        self._previous = prompt
        seconds = self._speed.answer_seconds(evaluated, answer)
        return estimate_tokens(prompt), evaluated, answer, seconds


@dataclass
class OpenDocument:
    uri: str
    module: Module
    version: int = 1


async def type_into(session: Session, document: OpenDocument, function: str, text: str) -> float:
    """Type `text` at the end of the function's editable line, one didChange per
    keystroke (as an editor sends them); returns when the last one was sent."""
    line = document.module.edit_lines[function]
    sent = 0.0
    for index, char in enumerate(text):
        if index:
            await asyncio.sleep(KEYSTROKE_SECONDS)
        end = len(document.module.lines[line])
        document.version += 1
        sent = session.insert(document.uri, document.version, line, end, char)
        document.module.lines[line] += char
    return sent


async def one_edit(
    session: Session,
    sim: SimulatedOllama,
    config: Config,
    document: OpenDocument,
    edit: tuple[int, str],
) -> tuple[list[ChatRecord], EditTiming]:
    """Edit one function; the chats it cost, and its timing: to the model, from the
    model to diagnostics, to the diagnostics re-published at once, and the server's CPU
    time and time waiting for a CPU."""
    number, function = edit
    began = time.monotonic()
    ran, waited = session.scheduler_ns()
    sent = await type_into(session, document, function, f" + {number}")
    uri, version, debounce = document.uri, document.version, config.debounce_ms / 1000
    try:
        await session.until(lambda: sim.answered(sent)[0] > 0, debounce + WAIT, "the review")
    except TimeoutError:
        return sim.chats(began), EditTiming()
    chat = sim.completed(sent)[0]
    # The server re-publishes (findings moved with their functions) as soon as it has
    # parsed the change: the first diagnostics of this version.
    republished = session.first_publish(uri, after=sent, version=version)

    def reviewed() -> bool:
        return session.first_publish(uri, after=chat.last_byte, version=version) is not None

    await session.until(reviewed, WAIT, "diagnostics after the edit's review")
    publish = session.first_publish(uri, after=chat.last_byte, version=version)
    assert publish is not None
    # pending == 0 after the answer: every call this edit caused has been made.
    await session.until(lambda: session.idle_since(chat.last_byte), WAIT, "idle after the edit")
    ran_after, waited_after = session.scheduler_ns()
    return sim.chats(began), EditTiming(
        to_model_ms=(chat.arrival - sent - debounce) * 1000,
        to_publish_ms=(publish.received - chat.last_byte) * 1000,
        republish_ms=None if republished is None else (republished.received - sent) * 1000,
        cpu_ms=(ran_after - ran) / 1e6,
        cpu_wait_ms=(waited_after - waited) / 1e6,
    )


async def bench_edits(config: Config) -> Outcome:
    module = generate("edited", functions=50)
    _path, uri = write_module(config.workdir / "edits", module)
    cache = config.workdir / "edits-cache"
    baseline = WholeFileBaseline(config.speed, module)
    document = OpenDocument(uri, module)
    with SimulatedOllama(config.speed, slots=1) as sim:
        options = server_options(sim, config, cache)
        session = await start_session(sim, options, cache, config.workdir)
        try:
            opened = session.open(uri, module.text)
            first = await wait_reviewed(session, sim, opened, 50, "the first review of the file")
            rng = random.Random(SEED)
            samples = []
            for number in range(1, config.edits + 1):
                function = rng.choice(sorted(module.edit_lines))
                edit = (number, function)
                chats, timing = await one_edit(session, sim, config, document, edit)
                base = baseline.change(module)
                samples.append(edit_sample(function, chats, timing, base))
        finally:
            await session.close()
    return edits_outcome(samples, first, baseline.opened)


async def bench_nested(config: Config) -> Outcome:
    """Edits inside the innermost function of `outer > middle > inner` groups."""
    module = generate_nested("nested", groups=10)
    _path, uri = write_module(config.workdir / "nested", module)
    cache = config.workdir / "nested-cache"
    document = OpenDocument(uri, module)
    units = unit_count([module])
    with SimulatedOllama(config.speed, slots=1) as sim:
        session = await start_session(
            sim, server_options(sim, config, cache), cache, config.workdir
        )
        try:
            opened = session.open(uri, module.text)
            await wait_reviewed(session, sim, opened, units, "the first review of the file")
            rng = random.Random(SEED)
            calls: list[int] = []
            for number in range(1, min(config.edits, 10) + 1):
                edit = (number, rng.choice(sorted(module.edit_lines)))
                chats, _timing = await one_edit(session, sim, config, document, edit)
                calls.append(len(chats))
        finally:
            await session.close()
    figure = (
        f"Edit in the innermost of 3 nested functions ({len(calls)} edits, {units} functions):"
        " model calls per edit"
    )
    summary = f"{min(calls)}..{max(calls)} (mean {_mean(calls):.2f})"
    row = Row(figure, summary, "", "exactly 1", all(c == 1 for c in calls))
    return Outcome([row], {"functions": units, "calls_per_edit": calls})


def edit_sample(
    function: str,
    chats: list[ChatRecord],
    timing: EditTiming,
    base: tuple[int, int, int, float],
) -> EditSample:
    return EditSample(
        function=function,
        calls=len(chats),
        prompt_tokens=sum(c.prompt_tokens for c in chats),
        evaluated_tokens=sum(c.evaluated_tokens for c in chats),
        answer_tokens=sum(c.answer_tokens for c in chats),
        model_seconds=sum(c.service_seconds for c in chats if c.completed),
        timing=timing,
        baseline_prompt_tokens=base[0],
        baseline_evaluated_tokens=base[1],
        baseline_answer_tokens=base[2],
        baseline_model_seconds=base[3],
    )


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def edits_outcome(
    samples: list[EditSample], first: list[ChatRecord], opened: tuple[int, int, int, float]
) -> Outcome:
    calls = [s.calls for s in samples]
    outcome = Outcome(
        [
            Row(
                "Open a 50-function file: model calls / prompt tokens evaluated",
                f"{len(first)} / {sum(c.evaluated_tokens for c in first):,}",
                f"1 / {opened[1]:,}",
            ),
            Row(
                f"Single-function edit ({len(samples)} edits): model calls per edit",
                f"{min(calls)}..{max(calls)} (mean {_mean(calls):.2f})",
                "1",
                "exactly 1",
                all(c == 1 for c in calls),
            ),
            *_cost_rows(samples),
        ]
    )
    latency_rows, latencies = _latency_rows(samples)
    outcome.rows += latency_rows
    if len(latencies["to_model"]) < len(samples):
        missing = len(samples) - len(latencies["to_model"])
        outcome.notes.append(f"{missing} edit(s) reached no model call: no latency measured.")
    outcome.data = {
        "open": {
            "calls": len(first),
            "prompt_tokens": sum(c.prompt_tokens for c in first),
            "evaluated_tokens": sum(c.evaluated_tokens for c in first),
            "model_seconds": sum(c.service_seconds for c in first),
            "baseline": dict(
                zip(("prompt", "evaluated", "answer", "seconds"), opened, strict=True)
            ),
        },
        "edits": [asdict(s) for s in samples],
        "latency_ms": {
            f"{name}_{label}": percentile(values, share) if values else None
            for name, values in latencies.items()
            for label, share in (("p50", 0.5), ("p95", 0.95))
        },
    }
    return outcome


def _cost_rows(samples: list[EditSample]) -> list[Row]:
    def mean(name: str, baseline: bool = False) -> float:
        return _mean([getattr(s, f"baseline_{name}" if baseline else name) for s in samples])

    def tokens(baseline: bool) -> str:
        sent, evaluated = mean("prompt_tokens", baseline), mean("evaluated_tokens", baseline)
        return f"{sent:,.0f} / {evaluated:,.0f}"

    def answers(baseline: bool) -> str:
        return f"{mean('answer_tokens', baseline):,.0f} / {mean('model_seconds', baseline):.2f} s"

    return [
        Row(
            "  prompt tokens per edit: sent / evaluated (after prompt cache)",
            *map(tokens, (False, True)),
        ),
        Row("  answer tokens / model time per edit", *map(answers, (False, True))),
    ]


def _latency_rows(samples: list[EditSample]) -> tuple[list[Row], dict[str, list[float]]]:
    timed = [s.timing for s in samples if s.timing.to_model_ms is not None]
    values = {
        "to_model": [t.to_model_ms or 0.0 for t in timed],
        "to_publish": [t.to_publish_ms or 0.0 for t in timed],
        "overhead": [(t.to_model_ms or 0.0) + (t.to_publish_ms or 0.0) for t in timed],
        "republish": [t.republish_ms for t in timed if t.republish_ms is not None],
        "cpu": [t.cpu_ms for t in timed],
        "cpu_wait": [t.cpu_wait_ms for t in timed],
    }
    if not timed:
        return [], values
    p95 = percentile(values["overhead"], 0.95)
    rows = [
        Row(
            "  didChange (+ debounce) -> request at model, p50 / p95", _ms_pair(values["to_model"])
        ),
        Row(
            "    of which didChange -> diagnostics re-published (parse), p50 / p95",
            _ms_pair(values["republish"]) if values["republish"] else "not seen",
        ),
        Row("  model's last byte -> publishDiagnostics, p50 / p95", _ms_pair(values["to_publish"])),
        Row(
            "  server overhead per edit (sum of both), p50 / p95",
            _ms_pair(values["overhead"]),
            target=f"p95 < {TARGET_OVERHEAD_MS:.0f} ms",
            passed=p95 < TARGET_OVERHEAD_MS,
        ),
        Row(
            "  server CPU time per edit (keystrokes to idle), p50 / p95",
            _ms_pair(values["cpu"]),
        ),
        Row(
            "  server time waiting for a CPU per edit (machine load), p50 / p95",
            _ms_pair(values["cpu_wait"]),
        ),
    ]
    return rows, values


def _ms_pair(values: Sequence[float]) -> str:
    return f"{percentile(values, 0.5):.1f} / {percentile(values, 0.95):.1f} ms"


# -- 2. reopening a reviewed file after a restart ----------------------------------------


@dataclass
class Reopened:
    """One restart: new server, didOpen of the reviewed file."""

    restart_to_initialized_ms: float
    to_all_diagnostics_ms: float
    model_calls: int
    cpu_ms: float
    cpu_wait_ms: float


async def bench_reopen(config: Config) -> Outcome:
    module = generate("reopened", lines=2000)
    expected_units = unit_count([module])
    _path, uri = write_module(config.workdir / "reopen", module)
    cache = config.workdir / "reopen-cache"
    with SimulatedOllama(config.speed, slots=1) as sim:
        options = server_options(sim, config, cache)
        first = await start_session(sim, options, cache, config.workdir)
        try:
            opened = first.open(uri, module.text)
            reviewed = await wait_reviewed(first, sim, opened, expected_units, "the first review")
            cold = max(c.last_byte for c in reviewed) - opened
            shown = first.first_publish(uri, after=opened, count=module.marked) is not None
        finally:
            await first.close()
        runs = [await reopen_once(sim, options, config, module, uri) for _ in range(config.reopens)]
    return reopen_outcome(module, expected_units, cold, shown, runs)


async def reopen_once(
    sim: SimulatedOllama, options: dict[str, Any], config: Config, module: Module, uri: str
) -> Reopened:
    cache = Path(options["cacheDir"])
    started = time.monotonic()
    session = await start_session(sim, options, cache, config.workdir)
    try:
        initialized = time.monotonic()
        ran, waited = session.scheduler_ns()
        sent = session.open(uri, module.text)

        def all_shown() -> bool:
            return session.first_publish(uri, after=sent, count=module.marked) is not None

        await session.until(all_shown, WAIT, "all diagnostics after reopening")
        published = session.first_publish(uri, after=sent, count=module.marked)
        assert published is not None
        ran_after, waited_after = session.scheduler_ns()
        # Let any review the reopening started show up before counting calls.
        await asyncio.sleep(0.5)
        await session.until(lambda: session.pending() == 0, WAIT, "idle after reopening")
        calls = len(sim.chats(sent))
    finally:
        await session.close()
    return Reopened(
        restart_to_initialized_ms=(initialized - started) * 1000,
        to_all_diagnostics_ms=(published.received - sent) * 1000,
        model_calls=calls,
        cpu_ms=(ran_after - ran) / 1e6,
        cpu_wait_ms=(waited_after - waited) / 1e6,
    )


def reopen_outcome(
    module: Module, units: int, cold: float, shown: bool, runs: list[Reopened]
) -> Outcome:
    times = [r.to_all_diagnostics_ms for r in runs]
    calls = [r.model_calls for r in runs]
    median = percentile(times, 0.5)
    startup = percentile([r.restart_to_initialized_ms for r in runs], 0.5)
    lines = len(module.lines)
    outcome = Outcome(
        [
            Row(
                f"Reopen a reviewed {lines:,}-line file after restart ({len(runs)} restarts): "
                f"didOpen -> all {module.marked} diagnostics, median (max)",
                f"{median:.1f} ms ({max(times):.1f} ms)",
                target=f"< {TARGET_REOPEN_MS:.0f} ms",
                passed=median < TARGET_REOPEN_MS,
            ),
            Row(
                "  model calls when reopening",
                ", ".join(map(str, calls)),
                target="0",
                passed=not any(calls),
            ),
            Row(
                "  server CPU time / time waiting for a CPU until then, median",
                f"{percentile([r.cpu_ms for r in runs], 0.5):.1f} / "
                f"{percentile([r.cpu_wait_ms for r in runs], 0.5):.1f} ms",
            ),
            Row(
                f"  first review of the file ({units} functions); restart to initialized",
                f"{cold:.1f} s; {startup:.0f} ms",
            ),
        ]
    )
    if not shown:
        outcome.notes.append("The first server never showed all expected diagnostics.")
    outcome.data = {
        "lines": lines,
        "functions": units,
        "diagnostics": module.marked,
        "first_review_seconds": cold,
        "reopens": [asdict(r) for r in runs],
    }
    return outcome


# -- 3. memory with 100 open files --------------------------------------------------------


async def bench_memory(config: Config) -> Outcome:
    modules = [generate(f"memory{i:03}", lines=500) for i in range(100)]
    units = unit_count(modules)
    cache = config.workdir / "memory-cache"
    fast = ModelSpeed(scale=MEMORY_SPEED_SCALE)
    with SimulatedOllama(fast, slots=MEMORY_SLOTS) as sim:
        options = server_options(sim, config, cache) | {"maxConcurrentRequests": MEMORY_SLOTS}
        session = await start_session(sim, options, cache, config.workdir)
        try:
            at_start = session.memory_kib()
            opened = time.monotonic()
            for module in modules:
                _path, uri = write_module(config.workdir / "memory", module)
                session.open(uri, module.text)
            await wait_reviewed(session, sim, opened, units, "the reviews of 100 files")
            seconds = time.monotonic() - opened
            at_end = session.memory_kib()
        finally:
            await session.close()
    peak_mb = at_end["VmHWM"] * 1024 / 1e6
    outcome = Outcome()
    outcome.rows.append(
        Row(
            f"Peak RSS, 100 open files x 500 lines ({units:,} functions reviewed)",
            f"{peak_mb:.1f} MB (at start {at_start['VmRSS'] * 1024 / 1e6:.1f} MB)",
            target=f"< {TARGET_RSS_MB:.0f} MB",
            passed=peak_mb < TARGET_RSS_MB,
        )
    )
    outcome.data = {
        "functions": units,
        "rss_start_kib": at_start["VmRSS"],
        "rss_end_kib": at_end["VmRSS"],
        "peak_rss_kib": at_end["VmHWM"],
        "review_seconds": seconds,
    }
    return outcome


# -- 4. siyada check on a folder ----------------------------------------------------------


async def check_supports_jobs() -> bool:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "siyada",
        "check",
        "--help",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return b"--jobs" in out


async def bench_check(config: Config) -> Outcome:
    folder = config.workdir / "check"
    modules = [generate(f"checked{i:02}", functions=20) for i in range(10)]
    for module in modules:
        write_module(folder, module)
    has_jobs = await check_supports_jobs()
    jobs = config.jobs if has_jobs else 1
    command = [sys.executable, "-m", "siyada", "check", str(folder), "--format", "json"]
    with SimulatedOllama(config.speed, slots=jobs) as sim:
        command += ["--endpoint", sim.url] + (["--jobs", str(jobs)] if has_jobs else [])
        cache = config.workdir / "check-cache"
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=config.workdir,
            env=_env_with_cache(cache),
        )
        out, err = await process.communicate()
        wall = time.monotonic() - started
        chats = sim.completed(started)
    return check_outcome(modules, jobs, has_jobs, wall, chats, process.returncode, out, err)


def _env_with_cache(cache: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def check_outcome(
    modules: list[Module],
    jobs: int,
    has_jobs: bool,
    wall: float,
    chats: list[ChatRecord],
    code: int | None,
    out: bytes,
    err: bytes,
) -> Outcome:
    outcome = Outcome()
    functions = sum(len(m.edit_lines) for m in modules)
    model_minimum = sum(c.service_seconds for c in chats) / jobs
    try:
        found = len(json.loads(out))
    except ValueError:
        found = -1
    first_arrival = min((c.arrival for c in chats), default=float("nan"))
    last_byte = max((c.last_byte for c in chats), default=float("nan"))
    outcome.rows.append(
        Row(
            f"siyada check, {functions}-function folder, --jobs {jobs}: wall / model minimum",
            f"{wall:.2f} s / {model_minimum:.2f} s ({wall / model_minimum:.2f}x)"
            if model_minimum
            else f"{wall:.2f} s / no model calls",
            target="(reported)",
        )
    )
    span = last_byte - first_arrival
    outcome.rows.append(
        Row(
            "  model calls; first call to last answer",
            f"{len(chats)}; {span:.2f} s ({span / model_minimum:.2f}x minimum)"
            if model_minimum
            else f"{len(chats)}",
        )
    )
    expected = sum(m.marked for m in modules)
    if not has_jobs:
        outcome.notes.append(
            "`siyada check` has no --jobs option yet: ran with its default concurrency "
            "and a 1-slot model; the minimum is the sum of answer times."
        )
    if code not in (0, 1) or found != expected:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        outcome.notes.append(
            f"siyada check exited {code} with {found} findings (expected {expected}): {tail}"
        )
    outcome.data = {
        "functions": functions,
        "jobs": jobs,
        "jobs_option": has_jobs,
        "wall_seconds": wall,
        "model_minimum_seconds": model_minimum,
        "model_calls": len(chats),
        "first_call_to_last_answer_seconds": span,
        "findings": found,
        "expected_findings": expected,
        "exit_code": code,
    }
    return outcome


# -- the table ------------------------------------------------------------------------------


def describe(config: Config, load: tuple[float, float]) -> list[str]:
    """What the figures depend on: the simulated model's speed and the machine's load."""
    speed = config.speed
    pace = (
        "the published speed"
        if speed.scale == 1
        else f"{speed.scale:g}x faster than published: model times are {speed.scale:g}x shorter"
    )
    return [
        f"Simulated model: {speed.label}, {speed.prompt_tps:,.0f} tokens/s prompt eval, "
        f"{speed.gen_tps:.1f} tokens/s generation, at {pace}. Debounce {config.debounce_ms} ms.",
        f"Machine: {os.cpu_count()} CPUs, load average (1 min) {load[0]:.1f} before the run, "
        f"{load[1]:.1f} after; latencies are noisier on a busy machine.",
    ]


def print_table(header_lines: list[str], rows: list[Row], notes: list[str]) -> None:
    for text in header_lines:
        print(text)
    header = Row("figure", "Siyada", "whole-file baseline", "target", None)
    widths = [
        max(len(r.figure) for r in [header, *rows]),
        max(len(r.siyada) for r in [header, *rows]),
        max(len(r.baseline) for r in [header, *rows]),
        max(len(r.target) for r in [header, *rows]),
    ]

    def line(row: Row, result: str) -> str:
        cells = (row.figure, row.siyada, row.baseline, row.target)
        joined = " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
        return f"{joined} | {result}".rstrip()

    print(line(header, "result"))
    print("-+-".join("-" * w for w in [*widths, 6]))
    for row in rows:
        result = "" if row.passed is None else ("PASS" if row.passed else "FAIL")
        print(line(row, result))
    for note in notes:
        print(f"note: {note}")


SCENARIOS: dict[str, Callable[[Config], Coroutine[Any, Any, Outcome]]] = {
    "edits": bench_edits,
    "nested": bench_nested,
    "reopen": bench_reopen,
    "memory": bench_memory,
    "check": bench_check,
}


async def run(config: Config, names: list[str]) -> tuple[list[Row], dict[str, Any], list[str]]:
    rows: list[Row] = []
    data: dict[str, Any] = {}
    notes: list[str] = []
    for name in names:
        print(f"running {name}...", file=sys.stderr, flush=True)
        started = time.monotonic()
        try:
            outcome = await SCENARIOS[name](config)
        except TimeoutError as error:
            outcome = Outcome([Row(f"{name}: did not finish", str(error), passed=False)])
        outcome.data["bench_seconds"] = time.monotonic() - started
        rows += outcome.rows
        data[name] = outcome.data
        notes += outcome.notes
    return rows, data, notes


def save(
    config: Config,
    load: tuple[float, float],
    rows: list[Row],
    data: dict[str, Any],
    notes: list[str],
) -> Path:
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"run-{stamp}.json"
    report = {
        "model": asdict(config.speed),
        "cpus": os.cpu_count(),
        "load_average_1min": {"before": load[0], "after": load[1]},
        "debounce_ms": config.debounce_ms,
        "edits": config.edits,
        "jobs": config.jobs,
        "table": [asdict(r) for r in rows],
        "notes": notes,
        "results": data,
    }
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return path


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="10 edits, model 10x faster")
    parser.add_argument("--speed-scale", type=float, help="model speed factor (default 1)")
    parser.add_argument("--edits", type=int, help="single-function edits (default 30)")
    parser.add_argument("--debounce-ms", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=4, help="siyada check --jobs and its slots")
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS), help="run only these")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scale = args.speed_scale or (10.0 if args.quick else 1.0)
    edits = args.edits or (10 if args.quick else 30)
    with tempfile.TemporaryDirectory(prefix="siyada-bench-") as work:
        speed = ModelSpeed(scale=scale)
        reopens = 3 if args.quick else 5
        config = Config(speed, edits, reopens, args.debounce_ms, args.jobs, Path(work))
        before = os.getloadavg()[0]
        rows, data, notes = asyncio.run(run(config, args.only or list(SCENARIOS)))
        load = (before, os.getloadavg()[0])
    print_table(describe(config, load), rows, notes)
    print(f"results: {save(config, load, rows, data, notes)}")
    return 1 if any(r.passed is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
