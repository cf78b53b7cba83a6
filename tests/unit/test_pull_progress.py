"""Ollama's pull lines told as a user reads them: a step in words and a percentage of
the whole download."""

from __future__ import annotations

from siyada.lsp.pull_progress import PullStep, PullTracker, size, size_of
from siyada.models.ollama import PullProgress

BIG = 4_683_087_332
SMALL = 11_345


def _layer(digest: str, total: int, completed: int | None) -> PullProgress:
    return PullProgress(f"pulling {digest[:12]}", f"sha256:{digest}", total, completed)


def test_a_pull_reads_as_steps_in_words_with_a_percentage_that_never_goes_back() -> None:
    tracker = PullTracker()
    lines = [
        PullProgress("pulling manifest"),
        _layer("8eeb52dfb3bb" + "0" * 52, BIG, None),
        _layer("8eeb52dfb3bb" + "0" * 52, BIG, 1_200_000_000),
        _layer("8eeb52dfb3bb" + "0" * 52, BIG, BIG),
        _layer("66b9ea09bd5b" + "0" * 52, SMALL, None),
        _layer("66b9ea09bd5b" + "0" * 52, SMALL, SMALL),
        PullProgress("verifying sha256 digest"),
        PullProgress("writing manifest"),
        PullProgress("removing any unused layers"),
        PullProgress("success"),
    ]
    steps = [tracker.step(line) for line in lines]

    assert steps[0] == PullStep("Fetching the manifest", 0)
    assert steps[1] == PullStep("Downloading 0.0 of 4.7 GB", 0)
    assert steps[2] == PullStep("Downloading 1.2 of 4.7 GB", 25)
    assert steps[3] == PullStep("Downloading 4.7 of 4.7 GB", 100)
    assert steps[4] == PullStep("Downloading 4.7 of 4.7 GB", 100)  # a new layer: not back
    assert [s.message for s in steps[6:]] == [
        "Verifying the download",
        "Writing the manifest",
        "Removing unused layers",
        "Done",
    ]
    assert all(s.percentage == 100 for s in steps[5:])
    assert not any("pulling" in s.message or "8eeb52dfb3bb" in s.message for s in steps)
    assert tracker.total_bytes == BIG + SMALL


def test_an_unknown_step_is_shown_as_ollama_says_it() -> None:
    assert PullTracker().step(PullProgress("unpacking layers")).message == "unpacking layers"


def test_sizes_read_in_the_unit_of_the_total() -> None:
    assert size_of(1_234_567, 4_700_000_000) == "0.0 of 4.7 GB"
    assert size_of(5_000_000, 12_300_000) == "5.0 of 12.3 MB"
    assert size_of(2_000, 11_345) == "2.0 of 11.3 KB"
    assert size_of(3, 120) == "3 of 120 bytes"
    assert size(4_683_087_332) == "4.7 GB" and size(0) == "0 bytes"
