"""The figures of `siyada eval` from what was shown per case, and how they are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siyada.evaluation.labels import Corpus, load_corpus
from siyada.evaluation.languages import compare_languages
from siyada.evaluation.report import render
from siyada.evaluation.scoring import Measure, Outcome, Shown, percentile, score
from siyada.review.settings import Settings

CORPUS = Path(__file__).parents[1] / "fixtures" / "eval" / "corpus"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus(CORPUS, Settings())


def outcomes(corpus: Corpus, shown: dict[str, tuple[Shown, ...]]) -> list[Outcome]:
    measure = Measure(latency_ms=10.0, prompt_tokens=100, returned=1, anchored=1)
    return [Outcome(case, shown.get(case.function, ()), True, measure) for case in corpus.cases]


def test_found_needs_the_category_and_an_overlapping_range(corpus: Corpus) -> None:
    # OrderStore.find: security on lines 11-12; unique: performance on 29-30.
    result = score(
        "m",
        outcomes(
            corpus,
            {
                "OrderStore.find": (Shown("bug", 11, 12, None), Shown("security", 12, 13, None)),
                "unique": (Shown("performance", 27, 28, None),),
                "digest": (Shown("bug", 23, 23, None),),
            },
        ),
    )
    assert (result.overall.found, result.overall.problems) == (1, 5)
    # Findings on functions with problems are never false positives.
    assert result.overall.flagged == 0
    assert result.findings == 4
    assert result.by_category["security"].found == 1
    assert result.by_category["performance"].found == 0


def test_a_fix_is_correct_only_with_every_expected_string(corpus: Corpus) -> None:
    partial = score(
        "m",
        outcomes(
            corpus, {"OrderStore.find": (Shown("security", 11, 11, "cursor.execute(query)"),)}
        ),
    )
    whole = score(
        "m", outcomes(corpus, {"OrderStore.find": (Shown("security", 11, 11, "execute(q, ?)"),)})
    )
    assert (partial.fixes_offered, partial.fixes_correct_share) == (1, 0.0)
    assert (whole.fixes_offered, whole.fixes_correct_share) == (1, 1.0)


def test_a_clean_function_flagged_counts_once_and_per_category(corpus: Corpus) -> None:
    result = score(
        "m",
        outcomes(
            corpus,
            {"Sum": (Shown("bug", 13, 13, None), Shown("performance", 14, 14, None))},
        ),
    )
    assert (result.overall.flagged, result.overall.clean) == (1, 4)
    assert result.overall.false_positive_rate == 0.25
    assert result.by_category["bug"].flagged == result.by_category["performance"].flagged == 1
    assert result.by_category["security"].flagged == 0
    assert result.by_language["go"].false_positive_rate == 1.0
    assert result.by_language["python"].false_positive_rate == 0.0


def test_unreviewed_and_cached_cases_are_told_apart(corpus: Corpus) -> None:
    cases = corpus.cases
    result = score(
        "m",
        [
            Outcome(cases[0], (), False, None),
            Outcome(cases[1], (), True, None),
            Outcome(cases[2], (), True, Measure(5.0, 40, 2, 1)),
        ],
    )
    assert (result.not_reviewed, result.cached) == (1, 1)
    assert (result.anchored_share, result.prompt_tokens_per_function) == (0.5, 40.0)


def test_percentiles_are_values_that_occurred() -> None:
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 50) == 10.0
    assert percentile(values, 95) == 19.0
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_reports_show_models_side_by_side(corpus: Corpus) -> None:
    first = score("small|model", outcomes(corpus, {}))
    second = score("big", outcomes(corpus, {"Sum": (Shown("bug", 13, 13, None),)}))

    text = render("text", corpus, [first, second]).splitlines()
    markdown = render("markdown", corpus, [first, second]).splitlines()
    as_json = json.loads(render("json", corpus, [first, second]))

    assert text[2].split() == ["small|model", "big"]
    row = next(line for line in text if line.startswith("false-positive rate "))
    assert row.split()[-4:] == ["0.00", "(0/4)", "0.25", "(1/4)"]
    assert markdown[2] == "|  | small\\|model | big |"
    assert "| recall: go | 0.00 (0/1) | 0.00 (0/1) |" in markdown
    assert "| false-positive rate: bug | 0.00 (0/4) | 0.25 (1/4) |" in markdown
    assert [m["model"] for m in as_json["models"]] == ["small|model", "big"]


def test_languages_that_find_the_same_problems_compare_equal_even_in_other_order(
    corpus: Corpus,
) -> None:
    found = {"OrderStore.find": (Shown("security", 11, 12, None),)}
    english = score("m", outcomes(corpus, found), "en")
    arabic = score("m", outcomes(corpus, found), "ar")
    (comparison,) = compare_languages([english, arabic])
    assert not comparison.differs and comparison.summary() == "same findings"


def test_a_language_that_changes_what_is_found_is_flagged_even_at_equal_recall(
    corpus: Corpus,
) -> None:
    # English finds OrderStore.find's problem; Arabic finds unique's instead and flags
    # a clean function: the same recall, different findings.
    english = score("m", outcomes(corpus, {"OrderStore.find": (Shown("security", 11, 12, None),)}))
    arabic = score(
        "m",
        outcomes(
            corpus,
            {
                "unique": (Shown("performance", 29, 30, None),),
                "checksum": (Shown("bug", 1, 100, None),),
            },
        ),
        "ar",
    )
    assert english.overall.recall == arabic.overall.recall
    other = score("other", outcomes(corpus, {}), "en")
    (comparison,) = compare_languages([english, other, arabic])
    assert comparison.differs
    assert comparison.found_only_in_baseline == {"python/orders.py:OrderStore.find#1"}
    assert comparison.found_only_in_other == {"python/orders.py:unique#1"}
    assert comparison.flagged_only_in_other == {"python/orders.py:checksum"}
    assert comparison.summary() == (
        "DIFFERS: 1 problems found only in en; 1 problems found only in ar; "
        "1 clean functions flagged only in ar"
    )
    text = render("text", corpus, [english, other, arabic])
    assert "m (en)" in text and "m (ar)" in text and "other (en)" in text
    languages = text.split("a language must not change what is found):\n\n", 1)[1]
    assert languages.splitlines()[0].split()[:3] == ["model", "language", "recall"]
    assert [line.split()[:2] for line in languages.splitlines()[1:]] == [
        ["m", "en"],
        ["other", "en"],
        ["m", "ar"],
    ]
    assert languages.rstrip().endswith(comparison.summary())
    report = json.loads(render("json", corpus, [english, other, arabic]))
    assert [m["explanation_language"] for m in report["models"]] == ["en", "en", "ar"]
    (entry,) = report["language_comparisons"]
    assert entry["differs"] is True and entry["baseline"] == "en"
    assert entry["found_only_in_language"] == ["python/orders.py:unique#1"]
