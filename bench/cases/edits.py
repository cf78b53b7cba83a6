"""Single-function edits in a 50-function file, and edits in nested functions: model
calls and tokens per edit against a whole-file reviewer, and the server's overhead."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import asdict, dataclass

from common import (
    WAIT,
    Config,
    Outcome,
    Row,
    mean,
    ms_pair,
    percentile,
    server_options,
    simulated_model,
    start_session,
    unit_count,
    wait_reviewed,
    whole_file_messages,
    write_module,
)
from inputs import SEED, Module, generate, generate_nested
from lsp_session import Session

from siyada.review.prompt import estimate_tokens
from tests.model_server import (
    ChatRecord,
    ModelSpeed,
    OllamaDouble,
    evaluated_tokens,
    last_user_content,
    marker_findings,
    prompt_text,
    token_pieces,
)

TARGET_OVERHEAD_MS = 20.0
# Typing pace within one edit: several keystrokes inside one debounce window.
KEYSTROKE_SECONDS = 0.06


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
        answer = len(token_pieces(marker_findings(last_user_content(messages))))
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
    sim: OllamaDouble,
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
    with simulated_model(config.speed, slots=1) as sim:
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
    with simulated_model(config.speed, slots=1) as sim:
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
    summary = f"{min(calls)}..{max(calls)} (mean {mean(calls):.2f})"
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
                f"{min(calls)}..{max(calls)} (mean {mean(calls):.2f})",
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
    def average(name: str, baseline: bool = False) -> float:
        return mean([getattr(s, f"baseline_{name}" if baseline else name) for s in samples])

    def tokens(baseline: bool) -> str:
        sent = average("prompt_tokens", baseline)
        evaluated = average("evaluated_tokens", baseline)
        return f"{sent:,.0f} / {evaluated:,.0f}"

    def answers(baseline: bool) -> str:
        seconds = average("model_seconds", baseline)
        return f"{average('answer_tokens', baseline):,.0f} / {seconds:.2f} s"

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
        Row("  didChange (+ debounce) -> request at model, p50 / p95", ms_pair(values["to_model"])),
        Row(
            "    of which didChange -> diagnostics re-published (parse), p50 / p95",
            ms_pair(values["republish"]) if values["republish"] else "not seen",
        ),
        Row("  model's last byte -> publishDiagnostics, p50 / p95", ms_pair(values["to_publish"])),
        Row(
            "  server overhead per edit (sum of both), p50 / p95",
            ms_pair(values["overhead"]),
            target=f"p95 < {TARGET_OVERHEAD_MS:.0f} ms",
            passed=p95 < TARGET_OVERHEAD_MS,
        ),
        Row(
            "  server CPU time per edit (keystrokes to idle), p50 / p95",
            ms_pair(values["cpu"]),
        ),
        Row(
            "  server time waiting for a CPU per edit (machine load), p50 / p95",
            ms_pair(values["cpu_wait"]),
        ),
    ]
    return rows, values
