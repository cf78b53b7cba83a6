"""Siyada's review requests against a real engine: llama-server with Gemma 3 270M.

Run: .venv/bin/python bench/real_engine.py [--functions 20] [--schema both]
     [--max-tokens 768] [--parallel 1] [--jobs 1]

Needs `scripts/llama-server-setup.sh` to have built the server and assembled the model
(it is run here when they are missing). Starts llama-server on 127.0.0.1, sends each
function of the test fixtures and examples through `OpenAIClient` exactly as a review
asks (Siyada's prompt, temperature 0, seed, `max_tokens`, the answer schema as a
`json_schema` response format), and reports per schema variant:

- the share of answers cut off at `max_tokens` (`finish_reason: "length"`);
- the share that parsed (a JSON object whose findings all validate) and the share of
  findings whose evidence anchored in the function (`review/findings.py`);
- latency per function, p50 and p95, and functions reviewed per second;
- wall time ÷ the server's own busy time (the prompt and generation time it reports
  per request, summed).

`--schema unbounded` is the answer schema without its bounds (maxItems, maxLength,
minimum, maximum), in the response format and in the prompt: the schema as it was
before the bounds, for comparison. The figures and every sample go to
bench/results/real-engine-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the tests' llama-server helper

from siyada.code.functions import FunctionUnit, extract_functions  # noqa: E402
from siyada.code.languages import language_for  # noqa: E402
from siyada.models.chat import ChatRequest  # noqa: E402
from siyada.models.errors import AnswerTruncated, ModelError  # noqa: E402
from siyada.models.openai import OpenAIClient, ResponseFormats  # noqa: E402
from siyada.review.anchor import anchor  # noqa: E402
from siyada.review.answer import validate  # noqa: E402
from siyada.review.findings import FINDINGS_SCHEMA  # noqa: E402
from siyada.review.prompt import REVIEW_OPTIONS_BASE, build_messages  # noqa: E402
from tests.llama_server import MODEL_ALIAS, Engine, LlamaServer, locate  # noqa: E402

RESULTS = ROOT / "bench" / "results"
SOURCES = (ROOT / "tests" / "fixtures" / "code", ROOT / "examples")
BOUND_KEYS = frozenset({"maxItems", "maxLength", "minimum", "maximum"})
SETUP_SCRIPT = ROOT / "scripts" / "llama-server-setup.sh"


@dataclass(frozen=True)
class Sample:
    function: str
    outcome: str  # "stop", "length" or the kind of a ModelError
    seconds: float
    busy_seconds: float
    completion_tokens: int
    parsed: bool
    findings: int
    anchored: int
    answer: str


@dataclass(frozen=True)
class Subject:
    label: str
    language: str
    unit: FunctionUnit


def unbounded(schema: Any) -> Any:
    """`schema` without the keywords that bound sizes and numbers."""
    if isinstance(schema, dict):
        return {key: unbounded(value) for key, value in schema.items() if key not in BOUND_KEYS}
    if isinstance(schema, list):
        return [unbounded(value) for value in schema]
    return schema


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


def subjects(count: int) -> list[Subject]:
    """`count` functions, taken in turn from each source file so every language shows."""
    per_file: list[list[Subject]] = []
    for path in sorted(p for folder in SOURCES for p in folder.iterdir() if p.is_file()):
        spec = language_for(None, str(path))
        if spec is None:
            continue
        units = extract_functions(spec, path.read_text(encoding="utf-8"))
        per_file.append([Subject(f"{path.name}:{u.name}", spec.id, u) for u in units])
    chosen: list[Subject] = []
    while len(chosen) < count and any(per_file):
        for units in per_file:
            if units and len(chosen) < count:
                chosen.append(units.pop(0))
    return chosen


def request_for(subject: Subject, schema: dict[str, Any], max_tokens: int) -> ChatRequest:
    messages = build_messages(
        language=subject.language, function_name=subject.unit.name, code=subject.unit.text
    )
    bounded_text = schema_text(FINDINGS_SCHEMA)
    system = messages[0]["content"]
    # The prompt shows the schema too: the comparison swaps it there as well.
    messages[0]["content"] = system[: -len(bounded_text)] + schema_text(schema)
    options = {**REVIEW_OPTIONS_BASE, "num_predict": max_tokens}
    return ChatRequest(model=MODEL_ALIAS, messages=messages, format=schema, options=options)


def judged(answer: str, unit: FunctionUnit) -> tuple[bool, int, int]:
    """(parsed, findings, anchored): parsed when the answer is a JSON object whose
    findings all validate; anchored counts findings whose evidence is in the function."""
    try:
        data = json.loads(answer)
    except ValueError:
        return False, 0, 0
    items = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return False, 0, 0
    checked = [validate(item) for item in items]
    if any(item is None for item in checked):
        return False, len(items), 0
    anchored = sum(anchor(item["evidence"], unit.text) is not None for item in checked if item)
    return True, len(items), anchored


async def review_one(
    client: OpenAIClient, subject: Subject, schema: dict[str, Any], max_tokens: int
) -> Sample:
    started = time.monotonic()
    answer, outcome, busy, tokens = "", "stop", 0.0, 0
    try:
        result = await client.chat(request_for(subject, schema, max_tokens))
        answer, busy, tokens = result.content, result.total_duration_ns / 1e9, result.eval_count
    except AnswerTruncated as truncated:
        answer, outcome, tokens = truncated.partial, "length", max_tokens
    except ModelError as error:
        outcome = error.kind
    seconds = time.monotonic() - started
    if outcome == "length":
        busy = seconds  # a cut-off answer has no result; the wall time is the closest figure
    parsed, findings, anchored = (
        judged(answer, subject.unit) if outcome == "stop" else (False, 0, 0)
    )
    return Sample(
        subject.label,
        outcome,
        seconds,
        busy,
        tokens,
        parsed,
        findings,
        anchored,
        answer,
    )


async def run_variant(
    url: str, chosen: Sequence[Subject], schema: dict[str, Any], args: argparse.Namespace
) -> tuple[list[Sample], float]:
    slots = asyncio.Semaphore(args.jobs)

    async def one(client: OpenAIClient, subject: Subject) -> Sample:
        async with slots:
            sample = await review_one(client, subject, schema, args.max_tokens)
        print(
            f"  {sample.outcome:>14} {sample.seconds:6.1f} s  {sample.function}",
            file=sys.stderr,
            flush=True,
        )
        return sample

    async with OpenAIClient(url, request_timeout=600, formats=ResponseFormats()) as client:
        started = time.monotonic()
        samples = await asyncio.gather(*(one(client, subject) for subject in chosen))
        return list(samples), time.monotonic() - started


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(samples: Sequence[Sample], wall: float) -> dict[str, Any]:
    answered = [s for s in samples if s.outcome == "stop"]
    findings = sum(s.findings for s in answered)
    busy = sum(s.busy_seconds for s in samples)
    return {
        "functions": len(samples),
        "length_share": sum(s.outcome == "length" for s in samples) / len(samples),
        "errors": sorted({s.outcome for s in samples} - {"stop", "length"}),
        "parsed_share": sum(s.parsed for s in samples) / len(samples),
        "findings": findings,
        "anchored_share": (sum(s.anchored for s in answered) / findings) if findings else None,
        "latency_p50_s": percentile([s.seconds for s in samples], 0.50),
        "latency_p95_s": percentile([s.seconds for s in samples], 0.95),
        "mean_completion_tokens": sum(s.completion_tokens for s in samples) / len(samples),
        "functions_per_s": len(samples) / wall,
        "wall_s": wall,
        "wall_over_busy": wall / busy if busy else None,
    }


def engine_or_exit() -> Engine:
    found = locate()
    if isinstance(found, Engine):
        return found
    print(f"{found}\nrunning {SETUP_SCRIPT.name} (the first build takes minutes)", file=sys.stderr)
    subprocess.run(["bash", str(SETUP_SCRIPT)], check=True, stdout=subprocess.DEVNULL)
    found = locate()
    if isinstance(found, str):
        sys.exit(found)
    return found


def print_table(figures: dict[str, dict[str, Any]]) -> None:
    rows = [
        ("answers cut off at max_tokens", "length_share", "{:.0%}"),
        ("answers parsed", "parsed_share", "{:.0%}"),
        ("findings", "findings", "{}"),
        ("findings anchored", "anchored_share", "{:.0%}"),
        ("latency p50", "latency_p50_s", "{:.1f} s"),
        ("latency p95", "latency_p95_s", "{:.1f} s"),
        ("generated tokens, mean", "mean_completion_tokens", "{:.0f}"),
        ("functions per second", "functions_per_s", "{:.3f}"),
        ("wall time / server busy time", "wall_over_busy", "{:.2f}"),
    ]
    names = list(figures)
    print(f"{'':32}" + "".join(f"{name:>14}" for name in names))
    for title, key, form in rows:
        cells = [figures[name][key] for name in names]
        shown = ["n/a" if cell is None else form.format(cell) for cell in cells]
        print(f"{title:32}" + "".join(f"{cell:>14}" for cell in shown))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--functions", type=int, default=20)
    parser.add_argument("--schema", choices=("both", "bounded", "unbounded"), default="both")
    parser.add_argument("--max-tokens", type=int, default=int(REVIEW_OPTIONS_BASE["num_predict"]))
    parser.add_argument("--ctx-size", type=int, default=4096, help="per slot")
    parser.add_argument("--parallel", type=int, default=1, help="llama-server's slots")
    parser.add_argument("--jobs", type=int, default=1, help="requests in flight")
    args = parser.parse_args(argv)
    variants = {"unbounded": unbounded(FINDINGS_SCHEMA), "bounded": FINDINGS_SCHEMA}
    if args.schema != "both":
        variants = {args.schema: variants[args.schema]}
    chosen = subjects(args.functions)
    engine = engine_or_exit()
    figures: dict[str, dict[str, Any]] = {}
    samples: dict[str, list[dict[str, Any]]] = {}
    with LlamaServer(engine, ctx_size=args.ctx_size, parallel=args.parallel) as server:
        for name, schema in variants.items():
            print(f"{name} schema, {len(chosen)} functions:", file=sys.stderr)
            found, wall = asyncio.run(run_variant(server.url, chosen, schema, args))
            figures[name] = summary(found, wall)
            samples[name] = [asdict(sample) for sample in found]
    print_table(figures)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    report = {"arguments": vars(args), "figures": figures, "samples": samples}
    path = RESULTS / f"real-engine-{stamp}.json"
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"written to {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
