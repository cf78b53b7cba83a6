"""`siyada eval`: review a labeled corpus with one or more models and report how many
known problems each finds and how many clean functions it flags.

Exit codes: 0 the report was written; 2 it could not be (bad labels, an unreadable
prompt file, an unreachable model server or missing model, an unwritable output
file), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
from pathlib import Path
from typing import Final

from siyada.cli import settings_from_options
from siyada.evaluation.labels import Corpus, LabelError, load_corpus
from siyada.evaluation.report import render
from siyada.evaluation.run import CannotEvaluate, EvalOptions, evaluate_model
from siyada.evaluation.scoring import ModelScore
from siyada.review.settings import Settings

EXIT_DONE, EXIT_CANNOT_EVALUATE = 0, 2

# The corpus written for this project, beside the package in a source checkout.
BUNDLED_CORPUS: Final = Path(__file__).resolve().parents[3] / "eval" / "corpus"


def run_eval(args: argparse.Namespace) -> int:
    try:
        settings = _settings_from(args)
        options = EvalOptions(system_prompt=_read_prompt(args.prompt), use_cache=not args.no_cache)
        corpus = _corpus(args.corpus, settings)
        scores = asyncio.run(_evaluate(corpus, settings, args.model, options))
        _write(render(args.format, corpus, scores), args.out)
    except (CannotEvaluate, LabelError) as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_CANNOT_EVALUATE
    return EXIT_DONE


def _settings_from(args: argparse.Namespace) -> Settings:
    settings, problems = settings_from_options(args, {})
    if problems:
        raise CannotEvaluate(" ".join(problems))
    return settings


def _read_prompt(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CannotEvaluate(f"--prompt {path} cannot be read: {error}") from None
    if not text.strip():
        raise CannotEvaluate(f"--prompt {path} is empty")
    return text


def _corpus(folder: Path | None, settings: Settings) -> Corpus:
    if folder is None:
        if not BUNDLED_CORPUS.is_dir():
            raise CannotEvaluate(
                "the bundled corpus is not part of this installation; "
                "name one with --corpus DIR (a folder holding labels.json)"
            )
        folder = BUNDLED_CORPUS
    if not folder.is_dir():
        raise CannotEvaluate(f"--corpus {folder} is not a folder")
    return load_corpus(folder, settings)


async def _evaluate(
    corpus: Corpus, settings: Settings, models: list[str], options: EvalOptions
) -> list[ModelScore]:
    """One model after the other: they would share the server's slots anyway, and
    each model's latency is then its own."""
    scores = []
    for model in dict.fromkeys(models):
        print(f"siyada: evaluating {model} on {len(corpus.cases)} functions", file=sys.stderr)
        scores.append(
            await evaluate_model(corpus, dataclasses.replace(settings, model=model), options)
        )
    return scores


def _write(report: str, out: Path | None) -> None:
    """The report to `out`, or to stdout; when `out` cannot be written, to stdout after
    all, so the run's figures are not lost."""
    if out is not None:
        try:
            out.write_text(report, encoding="utf-8")
        except OSError as error:
            sys.stdout.write(report)
            raise CannotEvaluate(
                f"--out {out} cannot be written ({error}); the report went to stdout"
            ) from None
        print(f"siyada: report written to {out}", file=sys.stderr)
        return
    sys.stdout.write(report)
