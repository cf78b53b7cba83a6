"""The figures of one model on a corpus, from what was shown for each case.

A problem is found when a shown finding has its category and a range overlapping its
lines; a clean function is flagged when any finding is shown for it. "Shown" means
after the filters the editor applies, so the figures are what a user would see.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from siyada.evaluation.labels import Case, Problem
from siyada.review.findings import CATEGORIES


@dataclass(frozen=True)
class Shown:
    """A finding as the user sees it: lines 1-based and inclusive, in the file."""

    category: str
    first_line: int
    last_line: int
    replacement: str | None

    def finds(self, problem: Problem) -> bool:
        return self.category == problem.category and problem.overlaps(
            self.first_line, self.last_line
        )


@dataclass(frozen=True)
class Measure:
    """One answer from the model: how long it took, how long its prompt was, how many
    findings it held (`returned`, those following the schema) and how many of those
    quoted code found in the function (`anchored`)."""

    latency_ms: float
    prompt_tokens: int
    returned: int
    anchored: int


@dataclass(frozen=True)
class Outcome:
    """What the review of one case gave. `measure` is None for an answer from the
    cache; `reviewed` is False when the function got no usable answer."""

    case: Case
    shown: tuple[Shown, ...]
    reviewed: bool
    measure: Measure | None


def _ratio(part: int, whole: int) -> float | None:
    """None when there is nothing to divide by: a share of nothing is not zero."""
    return round(part / whole, 4) if whole else None


@dataclass(frozen=True)
class Rates:
    problems: int = 0
    found: int = 0
    clean: int = 0
    flagged: int = 0

    @property
    def recall(self) -> float | None:
        return _ratio(self.found, self.problems)

    @property
    def false_positive_rate(self) -> float | None:
        return _ratio(self.flagged, self.clean)

    def to_json(self) -> dict[str, Any]:
        return {
            "recall": self.recall,
            "false_positive_rate": self.false_positive_rate,
            "found": self.found,
            "problems": self.problems,
            "flagged": self.flagged,
            "clean": self.clean,
        }


@dataclass(frozen=True)
class ModelScore:
    model: str
    overall: Rates
    findings: int
    returned: int
    anchored: int
    fixes_offered: int
    fixes_correct: int
    fixes_expected: int
    latencies_ms: tuple[float, ...]
    prompt_tokens: tuple[int, ...]
    by_category: dict[str, Rates]
    by_language: dict[str, Rates]
    not_reviewed: int
    cached: int
    # The language the findings were explained in (a BCP 47 tag), and which known
    # problems were found and clean functions flagged ("file:function#n" and
    # "file:function"): what a comparison of languages compares.
    explanation_language: str = "en"
    found_problems: frozenset[str] = frozenset()
    flagged_cases: frozenset[str] = frozenset()

    @property
    def anchored_share(self) -> float | None:
        return _ratio(self.anchored, self.returned)

    @property
    def fixes_correct_share(self) -> float | None:
        return _ratio(self.fixes_correct, self.fixes_expected)

    @property
    def prompt_tokens_per_function(self) -> float | None:
        if not self.prompt_tokens:
            return None
        return round(sum(self.prompt_tokens) / len(self.prompt_tokens), 1)

    def latency(self, percent: int) -> float | None:
        return percentile(self.latencies_ms, percent)

    def to_json(self) -> dict[str, Any]:
        overall = self.overall.to_json()
        return {
            "model": self.model,
            "explanation_language": self.explanation_language,
            **overall,
            "findings": self.findings,
            "anchored_share": self.anchored_share,
            "fixes_offered": self.fixes_offered,
            "fixes_correct_share": self.fixes_correct_share,
            "latency_ms": {"p50": self.latency(50), "p95": self.latency(95)},
            "prompt_tokens_per_function": self.prompt_tokens_per_function,
            "by_category": {name: r.to_json() for name, r in self.by_category.items()},
            "by_language": {name: r.to_json() for name, r in self.by_language.items()},
            "not_reviewed": self.not_reviewed,
            "cached": self.cached,
        }


def percentile(values: Sequence[float], percent: int) -> float | None:
    """The nearest-rank percentile (a value that occurred), None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return round(ordered[rank - 1], 1)


def score(model: str, outcomes: Sequence[Outcome], explanation_language: str = "en") -> ModelScore:
    measures = [o.measure for o in outcomes if o.measure is not None]
    expected = [(o, p) for o in outcomes for p in o.case.problems if p.fix_contains]
    return ModelScore(
        model=model,
        overall=_rates(outcomes),
        findings=sum(len(o.shown) for o in outcomes),
        returned=sum(m.returned for m in measures),
        anchored=sum(m.anchored for m in measures),
        fixes_offered=sum(1 for o in outcomes for s in o.shown if s.replacement is not None),
        fixes_correct=sum(1 for o, p in expected if _fixed(o.shown, p)),
        fixes_expected=len(expected),
        latencies_ms=tuple(m.latency_ms for m in measures),
        prompt_tokens=tuple(m.prompt_tokens for m in measures),
        by_category={category: _rates(outcomes, category) for category in CATEGORIES},
        by_language={
            language: _rates([o for o in outcomes if o.case.language == language])
            for language in sorted({o.case.language for o in outcomes})
        },
        not_reviewed=sum(1 for o in outcomes if not o.reviewed),
        cached=sum(1 for o in outcomes if o.reviewed and o.measure is None),
        explanation_language=explanation_language,
        found_problems=frozenset(
            f"{o.case.file}:{o.case.function}#{n}"
            for o in outcomes
            for n, p in enumerate(o.case.problems, start=1)
            if any(s.finds(p) for s in o.shown)
        ),
        flagged_cases=frozenset(
            f"{o.case.file}:{o.case.function}" for o in outcomes if o.case.is_clean and o.shown
        ),
    )


def _rates(outcomes: Iterable[Outcome], category: str | None = None) -> Rates:
    """Recall and false positives over `outcomes`; with `category`, recall over the
    problems of that category and false positives by the findings of that category."""
    problems = found = clean = flagged = 0
    for outcome in outcomes:
        if outcome.case.is_clean:
            clean += 1
            flagged += any(category in (None, s.category) for s in outcome.shown)
            continue
        for problem in outcome.case.problems:
            if category not in (None, problem.category):
                continue
            problems += 1
            found += any(s.finds(problem) for s in outcome.shown)
    return Rates(problems, found, clean, flagged)


def _fixed(shown: Iterable[Shown], problem: Problem) -> bool:
    """A shown finding of the problem offers a fix holding every expected string. Fixes
    that would not parse were already withheld when the findings were placed."""
    return any(
        s.finds(problem)
        and s.replacement is not None
        and all(text in s.replacement for text in problem.fix_contains)
        for s in shown
    )
