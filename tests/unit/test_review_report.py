"""What reviews did, in words: the log line of one review and the summary of a file
reviewed on demand."""

from __future__ import annotations

from siyada.review.review_report import FileReview, ReviewRecord


def test_a_review_line_names_the_function_counts_and_says_how_it_was_answered() -> None:
    asked = ReviewRecord("app.py", "Store.load", 2, 1.234)
    assert asked.line() == "Reviewed Store.load in app.py: 2 findings (model 1.2 s)"
    cached = ReviewRecord("app.py", "load", 1, None)
    assert cached.line() == "Reviewed load in app.py: 1 finding (cached)"
    assert (
        ReviewRecord("a.go", "main", 0, 0.04).line()
        == "Reviewed main in a.go: no findings (model 0.0 s)"
    )


def test_a_file_review_says_what_was_found_and_how_much_came_from_the_cache() -> None:
    all_cached = FileReview("app.py", 12, 0, 12)
    assert all_cached.message() == "No findings in 12 functions of app.py (all cached)."
    assert all_cached.complete
    assert (
        FileReview("app.py", 12, 3, 9).message()
        == "3 findings in 12 functions of app.py (9 cached)."
    )
    assert FileReview("app.py", 1, 1, 0).message() == "1 finding in 1 function of app.py."


def test_a_file_review_with_functions_left_unanswered_says_so() -> None:
    partial = FileReview("app.py", 12, 1, 4, unanswered=3)
    assert partial.message() == (
        "1 finding in 12 functions of app.py (4 cached); "
        "3 not reviewed (see the status and the log)."
    )
    assert not partial.complete
    failed = FileReview("app.py", 2, 0, 0, unanswered=2)
    assert failed.message().startswith("No findings in 2 functions of app.py; 2 not reviewed")


def test_a_file_without_functions_or_over_a_limit_says_so() -> None:
    assert FileReview("notes.py", 0, 0, 0).message() == "No functions to review in notes.py."
    over = FileReview("big.py", 0, 0, 0, not_reviewed="it is over siyada.maxFileKb (512 KB)")
    assert over.message() == "Siyada does not review big.py: it is over siyada.maxFileKb (512 KB)."
    assert not over.complete
