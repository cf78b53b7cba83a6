"""Siyada's benchmark: the real server and `siyada check` against a simulated model.

Run: .venv/bin/python bench/run.py [--quick] [--speed-scale 1] [--edits 30] [--jobs 4]

Prints one table (figure, Siyada, whole-file baseline, target, result) and writes the
figures and raw samples as JSON to bench/results/. Inputs are generated from a fixed
seed. See bench/README.md for what each figure means and how it is measured. Each
case lives in its own module under bench/cases/; `--only` selects cases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the simulated model is the tests' fake model server

from cases import check, edits, full_sync, memory, reopen  # noqa: E402
from common import Config, Outcome, Row  # noqa: E402

from tests.model_server import ModelSpeed  # noqa: E402

RESULTS = ROOT / "bench" / "results"


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
    "edits": edits.bench_edits,
    "nested": edits.bench_nested,
    "full-sync": full_sync.bench_full_sync,
    "reopen": reopen.bench_reopen,
    "memory": memory.bench_memory,
    "check": check.bench_check,
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
        "context": config.context,
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
    parser.add_argument(
        "--context", choices=["function", "file"], default="function", help="the servers' setting"
    )
    parser.add_argument("--only", nargs="+", choices=list(SCENARIOS), help="run only these")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scale = args.speed_scale or (10.0 if args.quick else 1.0)
    edits = args.edits or (10 if args.quick else 30)
    with tempfile.TemporaryDirectory(prefix="siyada-bench-") as work:
        speed = ModelSpeed(scale=scale)
        reopens = 3 if args.quick else 5
        config = Config(
            speed, edits, reopens, args.debounce_ms, args.jobs, Path(work), args.context
        )
        before = os.getloadavg()[0]
        rows, data, notes = asyncio.run(run(config, args.only or list(SCENARIOS)))
        load = (before, os.getloadavg()[0])
    print_table(describe(config, load), rows, notes)
    print(f"results: {save(config, load, rows, data, notes)}")
    return 1 if any(r.passed is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
