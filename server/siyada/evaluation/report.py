"""The figures of a run as JSON, or as a table with the models side by side (text for
a terminal, Markdown for a pull request or a wiki). A run in several explanation
languages has a column per model and language, and a second table comparing the
languages (`languages.py`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from siyada.evaluation.labels import Corpus
from siyada.evaluation.languages import LanguageComparison, compare_languages
from siyada.evaluation.scoring import ModelScore, Rates

_Row = tuple[str, Callable[[ModelScore], str]]


def render(output_format: str, corpus: Corpus, scores: Sequence[ModelScore]) -> str:
    if output_format == "json":
        return json.dumps(to_json(corpus, scores), indent=2, ensure_ascii=False) + "\n"
    several = len({score.explanation_language for score in scores}) > 1
    header = ["", *(_column(score, several) for score in scores)]
    rows = [[label, *(cell(score) for score in scores)] for label, cell in _rows(scores)]
    summary = (
        f"Corpus: {len(corpus.cases)} functions, {corpus.problems} known problems, "
        f"{corpus.clean} clean."
    )
    table = _markdown if output_format == "markdown" else _text
    report = f"{summary}\n\n{table(header, rows)}"
    comparisons = compare_languages(scores)
    if comparisons:
        report += f"\n{_LANGUAGES_TITLE}\n\n{table(*_language_table(scores, comparisons))}"
    return report


_LANGUAGES_TITLE = "Explanation languages (a language must not change what is found):"


def _column(score: ModelScore, several_languages: bool) -> str:
    if not several_languages:
        return score.model
    return f"{score.model} ({score.explanation_language})"


def _language_table(
    scores: Sequence[ModelScore], comparisons: Sequence[LanguageComparison]
) -> tuple[list[str], list[list[str]]]:
    """A row per model and language: its recall and false-positive rate, and how it
    compares with the model's first language."""
    against = {(c.model, c.other.explanation_language): c for c in comparisons}
    header = ["model", "language", "recall", "false-positive rate", "against the first"]
    rows = []
    for score in scores:
        comparison = against.get((score.model, score.explanation_language))
        rows.append(
            [
                score.model,
                score.explanation_language,
                _recall(score.overall),
                _false_positives(score.overall),
                comparison.summary() if comparison is not None else "(the first)",
            ]
        )
    return header, rows


def to_json(corpus: Corpus, scores: Sequence[ModelScore]) -> dict[str, Any]:
    return {
        "corpus": {
            "functions": len(corpus.cases),
            "problems": corpus.problems,
            "clean": corpus.clean,
        },
        "models": [score.to_json() for score in scores],
        "language_comparisons": [c.to_json() for c in compare_languages(scores)],
    }


def _rows(scores: Sequence[ModelScore]) -> list[_Row]:
    rows: list[_Row] = [
        ("recall", lambda s: _recall(s.overall)),
        ("false-positive rate", lambda s: _false_positives(s.overall)),
        ("findings shown", lambda s: str(s.findings)),
        ("anchored share", lambda s: _share(s.anchored_share, s.anchored, s.returned)),
        ("fixes offered", lambda s: str(s.fixes_offered)),
        (
            "fixes correct share",
            lambda s: _share(s.fixes_correct_share, s.fixes_correct, s.fixes_expected),
        ),
        ("latency p50 (ms)", lambda s: _number(s.latency(50))),
        ("latency p95 (ms)", lambda s: _number(s.latency(95))),
        ("prompt tokens per function", lambda s: _number(s.prompt_tokens_per_function)),
        ("not reviewed", lambda s: str(s.not_reviewed)),
        ("answers from the cache", lambda s: str(s.cached)),
    ]
    first = scores[0] if scores else None
    if first is None:
        return rows
    for category in first.by_category:
        if any(s.by_category[category].problems for s in scores):
            rows.append((f"recall: {category}", _category_recall(category)))
        if any(s.by_category[category].flagged for s in scores):
            rows.append((f"false-positive rate: {category}", _category_flags(category)))
    for language in first.by_language:
        rows.append((f"recall: {language}", _language(language, _recall)))
        rows.append((f"false-positive rate: {language}", _language(language, _false_positives)))
    return rows


def _category_recall(category: str) -> Callable[[ModelScore], str]:
    return lambda s: _recall(s.by_category[category])


def _category_flags(category: str) -> Callable[[ModelScore], str]:
    return lambda s: _false_positives(s.by_category[category])


def _language(language: str, cell: Callable[[Rates], str]) -> Callable[[ModelScore], str]:
    return lambda s: cell(s.by_language[language])


def _recall(rates: Rates) -> str:
    return _share(rates.recall, rates.found, rates.problems)


def _false_positives(rates: Rates) -> str:
    return _share(rates.false_positive_rate, rates.flagged, rates.clean)


def _share(value: float | None, part: int, whole: int) -> str:
    return "-" if value is None else f"{value:.2f} ({part}/{whole})"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _text(header: list[str], rows: list[list[str]]) -> str:
    table = [header, *rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in table
    ]
    return "\n".join(lines) + "\n"


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    separator = "|---|" + "---:|" * (len(header) - 1)
    return "\n".join([line(header), separator, *(line(row) for row in rows)]) + "\n"
