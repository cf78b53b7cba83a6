"""Comparing explanation languages on one corpus: a language must not change what is
found, only the words it is explained in.

For each model measured in several languages, every language is compared with the
first one given (the baseline): which known problems one found and the other did not,
and which clean functions one flagged and the other did not. Equal recall can hide a
difference (one problem gained, another lost), so the problems themselves are compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from siyada.evaluation.scoring import ModelScore


@dataclass(frozen=True)
class LanguageComparison:
    """One model in one language against the same model in the baseline language."""

    baseline: ModelScore
    other: ModelScore

    @property
    def model(self) -> str:
        return self.other.model

    @property
    def found_only_in_baseline(self) -> frozenset[str]:
        return self.baseline.found_problems - self.other.found_problems

    @property
    def found_only_in_other(self) -> frozenset[str]:
        return self.other.found_problems - self.baseline.found_problems

    @property
    def flagged_only_in_baseline(self) -> frozenset[str]:
        return self.baseline.flagged_cases - self.other.flagged_cases

    @property
    def flagged_only_in_other(self) -> frozenset[str]:
        return self.other.flagged_cases - self.baseline.flagged_cases

    @property
    def differs(self) -> bool:
        return bool(
            self.found_only_in_baseline
            or self.found_only_in_other
            or self.flagged_only_in_baseline
            or self.flagged_only_in_other
        )

    def summary(self) -> str:
        """The difference in words, or "same findings"."""
        if not self.differs:
            return "same findings"
        base, other = self.baseline.explanation_language, self.other.explanation_language
        parts = [
            f"{len(names)} {what} only in {language}"
            for names, what, language in (
                (self.found_only_in_baseline, "problems found", base),
                (self.found_only_in_other, "problems found", other),
                (self.flagged_only_in_baseline, "clean functions flagged", base),
                (self.flagged_only_in_other, "clean functions flagged", other),
            )
            if names
        ]
        return "DIFFERS: " + "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "baseline": self.baseline.explanation_language,
            "explanation_language": self.other.explanation_language,
            "differs": self.differs,
            "found_only_in_baseline": sorted(self.found_only_in_baseline),
            "found_only_in_language": sorted(self.found_only_in_other),
            "flagged_only_in_baseline": sorted(self.flagged_only_in_baseline),
            "flagged_only_in_language": sorted(self.flagged_only_in_other),
        }


def compare_languages(scores: Sequence[ModelScore]) -> list[LanguageComparison]:
    """Each model's score in every language after its first, against its first; empty
    when every model was measured in one language."""
    baselines: dict[str, ModelScore] = {}
    comparisons: list[LanguageComparison] = []
    for score in scores:
        baseline = baselines.setdefault(score.model, score)
        if baseline is not score:
            comparisons.append(LanguageComparison(baseline, score))
    return comparisons
