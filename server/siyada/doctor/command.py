"""`siyada doctor [PATH] [--format text|json] [--gguf FILE]`: the report on stdout.

Exit code 0 when the report was made, even when the model server is unreachable (the
report says so); 2 for bad input (an option, a path that cannot be read, a `--gguf`
that is not a GGUF file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from siyada.cli import settings_from_options
from siyada.doctor.gguf import GgufFile, GgufProblem, given_gguf
from siyada.doctor.render import render_text
from siyada.doctor.report import DoctorReport
from siyada.doctor.run import make_report
from siyada.i18n import _
from siyada.review.connection import ModelClient, open_client
from siyada.review.settings import Settings

EXIT_REPORTED, EXIT_BAD_INPUT = 0, 2


def run_doctor(args: argparse.Namespace) -> int:
    settings, problems = settings_from_options(args, {"model": args.model})
    folder = Path(args.path).resolve()
    if problems:
        print(f"siyada: {' '.join(problems)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not folder.is_dir():
        unreadable = _("{folder} is not a folder that can be read", folder=folder)
        print(f"siyada: {unreadable}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        gguf = given_gguf(args.gguf) if args.gguf is not None else None
    except GgufProblem as problem:
        print(f"siyada: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    report = asyncio.run(_report(settings, folder, gguf))
    if args.format == "json":
        print(json.dumps(report.to_json(), indent=2))
    else:
        print(render_text(report), end="")
    return EXIT_REPORTED


async def _report(settings: Settings, folder: Path, gguf: GgufFile | None) -> DoctorReport:
    opened: list[ModelClient] = []

    def client_of() -> ModelClient:
        if not opened:
            opened.append(open_client(settings))
        return opened[0]

    try:
        return await make_report(settings, folder, client_of, gguf)
    finally:
        for client in opened:
            await client.aclose()
