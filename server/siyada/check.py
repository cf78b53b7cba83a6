"""`siyada check`: review files with the engine the editor uses and print the findings.

Exit codes: 0 no findings, 1 findings, 2 could not review (one line on stderr says why).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec, language_for
from siyada.code.text import split_lines
from siyada.models.errors import ModelError
from siyada.review.engine import NotReviewed, PlacedFinding, Reviewer, place_findings
from siyada.review.findings import Finding
from siyada.review.sanitize import safe_text, safe_title
from siyada.review.settings import Settings, parse_settings
from siyada.terminal import TerminalProgress

EXIT_CLEAN, EXIT_FINDINGS, EXIT_CANNOT_REVIEW = 0, 1, 2

# Folders that hold other people's code or build output, not the user's own.
_SKIPPED_FOLDERS = {
    "node_modules",
    "venv",
    "__pycache__",
    "build",
    "dist",
    "target",
    "vendor",
    "third_party",
}


class CannotReview(Exception):
    """Stops the whole run; the message is the one line printed on stderr."""


@dataclass(frozen=True)
class SourceFile:
    path: Path
    spec: LanguageSpec
    text: str


@dataclass(frozen=True)
class Reported:
    path: Path
    placed: PlacedFinding

    def to_json(self) -> dict[str, Any]:
        finding = self.placed.finding
        entry: dict[str, Any] = {
            "path": str(self.path),
            "line": self.placed.start_line + 1,
            "end_line": self.placed.end_line + 1,
            "category": finding.category,
            "severity": finding.severity,
            "title": safe_title(finding.title),
            "explanation": safe_text(finding.explanation),
            "function": safe_title(self.placed.unit.name),
        }
        if finding.replacement is not None:
            entry["replacement"] = finding.replacement
        return entry

    def to_text(self) -> str:
        # Findings were cleaned when the answer was read; cleaning again here keeps a
        # terminal safe whatever the answer's path to it.
        finding = self.placed.finding
        title, name = safe_title(finding.title), safe_title(self.placed.unit.name)
        explanation = safe_text(finding.explanation)
        return (
            f"{self.path}:{self.placed.start_line + 1}: {finding.severity} "
            f"[{finding.category}] {title} (in {name})\n    {explanation}"
        )


def run_check(args: argparse.Namespace) -> int:
    try:
        settings = _settings_from(args)
        files = list(_source_files([Path(p) for p in args.paths]))
        reported = asyncio.run(_review_all(settings, files, args.jobs))
    except CannotReview as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_CANNOT_REVIEW
    _print(reported, args.format)
    return EXIT_FINDINGS if reported else EXIT_CLEAN


def _settings_from(args: argparse.Namespace) -> Settings:
    raw: dict[str, Any] = {
        "endpoint": args.endpoint,
        "model": args.model,
        "minSeverity": args.min_severity,
        "allowRemoteEndpoint": args.allow_remote_endpoint or None,
    }
    settings, problems = parse_settings(raw)
    if problems:
        raise CannotReview(" ".join(problems))
    return settings


def _source_files(paths: list[Path]) -> Iterator[SourceFile]:
    for path in paths:
        if not path.exists():
            raise CannotReview(f"{path}: no such file or folder")
        candidates = [path] if path.is_file() else sorted(_walk(path))
        for candidate in candidates:
            source = _read(candidate)
            if source is not None:
                yield source


def _walk(folder: Path) -> Iterator[Path]:
    for root, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".") and f not in _SKIPPED_FOLDERS]
        for name in files:
            if language_for(None, name) is not None:
                yield Path(root) / name


def _read(path: Path) -> SourceFile | None:
    spec = language_for(None, str(path))
    if spec is None:
        return None
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"siyada: skipping {path}: {error}", file=sys.stderr)
        return None
    return SourceFile(path, spec, text)


async def _review_all(settings: Settings, files: list[SourceFile], jobs: int) -> list[Reported]:
    reviewer = Reviewer(settings)
    if reviewer.cache.problem is not None:
        print(f"siyada: {reviewer.cache.problem}", file=sys.stderr)
    try:
        await _preflight(reviewer)
        units = {source.path: extract_functions(source.spec, source.text) for source in files}
        answers = await _review_units(reviewer, files, units, jobs)
    finally:
        await reviewer.aclose()
        reviewer.cache.close()
    reported: list[Reported] = []
    for source in files:
        lines = split_lines(source.text)
        placed = place_findings(
            units[source.path], answers, lines, source.text, settings, spec=source.spec
        )
        reported.extend(Reported(source.path, p) for p in placed)
    return reported


async def _preflight(reviewer: Reviewer) -> None:
    """Fail fast, with one clear reason, when no review can happen at all."""
    try:
        await reviewer.client.show(reviewer.settings.model)
    except ModelError as error:
        raise CannotReview(str(error)) from error


async def _review_units(
    reviewer: Reviewer,
    files: list[SourceFile],
    units: dict[Path, list[FunctionUnit]],
    jobs: int,
) -> dict[str, tuple[Finding, ...]]:
    """Each distinct function once (identical copies share an answer), `jobs` at a time."""
    distinct: dict[str, tuple[SourceFile, FunctionUnit]] = {}
    for source in files:
        for unit in units[source.path]:
            distinct.setdefault(unit.hash, (source, unit))
    progress = TerminalProgress(len(distinct), sys.stderr)
    slots = asyncio.Semaphore(jobs)

    async def review(source: SourceFile, unit: FunctionUnit) -> tuple[str, tuple[Finding, ...]]:
        async with slots:
            try:
                return unit.hash, await reviewer.review(source.spec.id, unit)
            except NotReviewed as not_reviewed:
                progress.note(f"siyada: {source.path}: {not_reviewed}")
                return unit.hash, ()
            except ModelError as error:
                raise CannotReview(str(error)) from error
            finally:
                progress.advance()

    try:
        return dict(await asyncio.gather(*(review(s, u) for s, u in distinct.values())))
    finally:
        progress.finish()


def _print(reported: list[Reported], output_format: str) -> None:
    if output_format == "json":
        print(json.dumps([r.to_json() for r in reported], indent=2, ensure_ascii=False))
        return
    for entry in reported:
        print(entry.to_text())
    count = len(reported)
    print(f"{count} finding{'s' if count != 1 else ''}.", file=sys.stderr)
