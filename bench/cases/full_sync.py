"""Whole-document didChange: a client that sends the full text on every change, on a
2,000-line file with 200 findings, one function edited per change. Measured: the
server's time from the change to the publishDiagnostics after the function's review,
beyond the debounce and the model's own time (a model answering in milliseconds)."""

from __future__ import annotations

import random

from common import (
    WAIT,
    Config,
    Outcome,
    Row,
    ms_pair,
    percentile,
    server_options,
    simulated_model,
    start_session,
    unit_count,
    wait_reviewed,
    write_module,
)
from inputs import SEED, Module, generate

from tests.model_server import MARKER, ModelSpeed

TARGET_MS = 20.0
FINDINGS = 200
# The model answers this much faster than the published speed: a few milliseconds.
SPEED_SCALE = 1000.0
_MARKS_PER_FUNCTION = 3


def marked_module(findings: int = FINDINGS) -> Module:
    """A 2,000-line module whose statements carry MARKER until `findings` lines do (a
    few per function, never on the line the edits rewrite)."""
    module = generate("fullsync", lines=2000)
    edit_lines = set(module.edit_lines.values())
    marked = sum(MARKER in line for line in module.lines)
    in_function = 0
    for index, line in enumerate(module.lines):
        stripped = line.strip()
        if stripped.startswith("def "):
            in_function = sum(MARKER in later for later in module.lines[index : index + 20])
            continue
        if marked >= findings or not line.startswith("    ") or index in edit_lines:
            continue
        if MARKER in line or not stripped or stripped.startswith(('"""', "return", "class")):
            continue
        if in_function < _MARKS_PER_FUNCTION:
            module.lines[index] = f"{line}  # {MARKER}"
            in_function += 1
            marked += 1
    module.marked = marked
    return module


async def bench_full_sync(config: Config) -> Outcome:
    module = marked_module()
    _path, uri = write_module(config.workdir / "full-sync", module)
    cache = config.workdir / "full-sync-cache"
    units = unit_count([module])
    debounce = config.debounce_ms / 1000
    samples: list[float] = []
    to_model: list[float] = []
    republished: list[float] = []
    with simulated_model(ModelSpeed(scale=SPEED_SCALE), slots=1) as sim:
        session = await start_session(
            sim, server_options(sim, config, cache), cache, config.workdir
        )
        try:
            opened = session.open(uri, module.text)
            await wait_reviewed(session, sim, opened, units, "the first review of the file")
            rng = random.Random(SEED)
            version = 1
            for number in range(1, config.edits + 1):
                function = rng.choice(sorted(module.edit_lines))
                module.lines[module.edit_lines[function]] += f" + {number}"
                version += 1
                sent = session.replace(uri, version, module.text)
                chats = await wait_reviewed(session, sim, sent, 1, "the edited function's review")
                chat = chats[0]

                def shown(after: float = chat.last_byte, at: int = version) -> bool:
                    return session.first_publish(uri, after=after, version=at) is not None

                await session.until(shown, WAIT, "diagnostics after the review")
                publish = session.first_publish(uri, after=chat.last_byte, version=version)
                first = session.first_publish(uri, after=sent, version=version)
                assert publish is not None and first is not None
                to_model.append((chat.arrival - sent - debounce) * 1000)
                samples.append(to_model[-1] + (publish.received - chat.last_byte) * 1000)
                republished.append((first.received - sent) * 1000)
                if publish.count != module.marked:
                    raise TimeoutError(f"{publish.count} diagnostics, not {module.marked}")
        finally:
            await session.close()
    return _outcome(module, samples, to_model, republished)


def _outcome(
    module: Module, samples: list[float], to_model: list[float], republished: list[float]
) -> Outcome:
    p95 = percentile(samples, 0.95)
    figure = (
        f"Whole-document didChange, {len(module.lines):,}-line file with {module.marked} "
        f"findings ({len(samples)} changes): change -> publishDiagnostics beyond the "
        "debounce and the model, p50 / p95"
    )
    rows = [
        Row(figure, ms_pair(samples), target=f"p95 < {TARGET_MS:.0f} ms", passed=p95 < TARGET_MS),
        Row("  of which change (+ debounce) -> request at model, p50 / p95", ms_pair(to_model)),
        Row("  change -> diagnostics re-published at once, p50 / p95", ms_pair(republished)),
    ]
    return Outcome(
        rows,
        {
            "lines": len(module.lines),
            "findings": module.marked,
            "overhead_ms": samples,
            "to_model_ms": to_model,
            "republish_ms": republished,
        },
    )
