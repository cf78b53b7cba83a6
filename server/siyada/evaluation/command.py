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
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from siyada.cli import settings_from_options
from siyada.evaluation.labels import Corpus, LabelError, load_corpus
from siyada.evaluation.languages import compare_languages
from siyada.evaluation.report import render
from siyada.evaluation.run import CannotEvaluate, EvalOptions, evaluate_model
from siyada.evaluation.scoring import ModelScore
from siyada.i18n import _
from siyada.review.explanation_language import environment_language, resolved
from siyada.review.settings import Settings

EXIT_DONE, EXIT_CANNOT_EVALUATE = 0, 2

# The corpus written for this project, beside the package in a source checkout.
BUNDLED_CORPUS: Final = Path(__file__).resolve().parents[3] / "eval" / "corpus"


def run_eval(args: argparse.Namespace) -> int:
    try:
        settings = _settings_from(args)
        options = EvalOptions(system_prompt=_read_prompt(args.prompt), use_cache=not args.no_cache)
        corpus = _corpus(args.corpus, settings)
        languages = _languages(args.explanation_languages, settings)
        endpoints = model_endpoints(args.model_endpoints or [], args.model)
        scores = asyncio.run(_evaluate(corpus, settings, args.model, languages, options, endpoints))
        _write(render(args.format, corpus, scores), args.out)
        _tell_differences(scores)
    except (CannotEvaluate, LabelError) as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_CANNOT_EVALUATE
    return EXIT_DONE


def _settings_from(args: argparse.Namespace) -> Settings:
    settings, problems = settings_from_options(args, {})
    if problems:
        raise CannotEvaluate(" ".join(problems))
    return settings


def model_endpoints(given: list[tuple[str, str]], models: list[str]) -> dict[str, str]:
    """The endpoint of each model `--model-endpoint` names; raises CannotEvaluate for a
    name that is not a `--model`, or one given twice."""
    endpoints: dict[str, str] = {}
    for name, url in given:
        if name not in models:
            raise CannotEvaluate(
                _(
                    "--model-endpoint {name}={url}: {name} is not one of the --model values "
                    "({models})",
                    name=name,
                    url=url,
                    models=", ".join(dict.fromkeys(models)),
                )
            )
        if name in endpoints and endpoints[name] != url:
            raise CannotEvaluate(
                _(
                    "--model-endpoint names {name} twice ({first} and {second}); give one "
                    "endpoint per model",
                    name=name,
                    first=endpoints[name],
                    second=url,
                )
            )
        endpoints[name] = url
    return endpoints


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


def _languages(asked: list[str] | None, settings: Settings) -> list[str]:
    """The explanation languages to measure, in the order given, each once; "auto" is
    the environment's, as without the option."""
    if not asked:
        return [settings.explanation_language]
    environment = environment_language(os.environ)
    return list(dict.fromkeys(resolved(tag, environment) for tag in asked))


async def _evaluate(
    corpus: Corpus,
    settings: Settings,
    models: list[str],
    languages: list[str],
    options: EvalOptions,
    endpoints: Mapping[str, str],
) -> list[ModelScore]:
    """One model after the other, and each in one language after the other: they
    would share the server's slots anyway, and each one's latency is then its own.
    A model in `endpoints` is asked at its own endpoint, the others at `--endpoint`."""
    scores = []
    for model in dict.fromkeys(models):
        for language in languages:
            in_language = f" in {language}" if len(languages) > 1 else ""
            print(
                f"siyada: evaluating {model}{in_language} on {len(corpus.cases)} functions",
                file=sys.stderr,
            )
            chosen = dataclasses.replace(
                settings,
                model=model,
                explanation_language=language,
                endpoint=endpoints.get(model, settings.endpoint),
            )
            scores.append(await evaluate_model(corpus, chosen, options))
    return scores


def _tell_differences(scores: list[ModelScore]) -> None:
    """A language that changed what was found is said on stderr too, where a run in a
    script is read; the report's language table has the details."""
    for comparison in compare_languages(scores):
        if comparison.differs:
            print(
                f"siyada: {comparison.model} in {comparison.other.explanation_language} "
                f"found differently than in {comparison.baseline.explanation_language}: "
                f"{comparison.summary().removeprefix('DIFFERS: ')}",
                file=sys.stderr,
            )


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
