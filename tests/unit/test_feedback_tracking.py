"""FeedbackTracking: offered actions taken once, fixes followed to the save, findings
changed by hand told at their function's next review."""

from __future__ import annotations

from dataclasses import replace

from siyada.lsp.feedback_tracking import FeedbackTracking, Tracked
from siyada.lsp.protocol import FindingData, FixData
from siyada.review.findings import Finding

URI = "file:///w/m.py"
LINES = ["def load(path):", "    f = open(path)", "    data = f.read()", "    return data", ""]
FIX = "    with open(path) as f:\n        data = f.read()"
AFTER_FIX = [
    "def load(path):",
    "    with open(path) as f:",
    "        data = f.read()",
    "    return data",
    "",
]

Told = list[tuple[str, str, str, str | None]]


def _tracked(
    *,
    function: str = "load",
    function_hash: str = "h1",
    start: int = 1,
    evidence_lines: tuple[str, ...] = ("    f = open(path)", "    data = f.read()"),
    replacement: str | None = FIX,
    version: int | None = 1,
) -> Tracked:
    evidence = "\n".join(evidence_lines)
    fix = FixData(
        version, start, start + len(evidence_lines) - 1, evidence_lines, "bug", replacement
    )
    finding = Finding("bug", "warning", "Leak", "Why.", evidence, replacement, 0.9, 1, 2)
    data = FindingData(fix, "Leak", function, function_hash, "m.py", evidence)
    return Tracked(data, finding)


def _tracking() -> tuple[FeedbackTracking, Told]:
    told: Told = []
    tracking = FeedbackTracking(
        lambda uri, kind, tracked, text: told.append((uri, kind, tracked.data.function, text))
    )
    return tracking, told


def test_an_offered_action_is_taken_once_whatever_the_version_and_only_for_its_kind() -> None:
    tracking, _ = _tracking()
    tracked = _tracked()
    tracking.offer(URI, "fix_applied", tracked)
    later = replace(tracked.data, fix=replace(tracked.data.fix, version=2))

    assert tracking.take_offered(URI, "ignore_comment", later) is None
    assert tracking.take_offered("file:///w/other.py", "fix_applied", later) is None
    taken = tracking.take_offered(URI, "fix_applied", later)
    assert taken is not None and taken.finding == tracked.finding
    assert tracking.take_offered(URI, "fix_applied", later) is None


def test_a_fix_corrected_by_hand_is_told_at_the_save_with_its_lines_as_saved() -> None:
    tracking, told = _tracking()
    tracking.fix_applied(URI, _tracked(), AFTER_FIX)
    tracking.saved(URI, AFTER_FIX)  # untouched: still followed
    assert told == []

    corrected = ["import io", "", *AFTER_FIX]
    corrected[3] = "    with open(path, encoding='utf-8') as f:"
    corrected.insert(5, "        data = data.strip()")
    tracking.saved(URI, corrected)
    tracking.saved(URI, corrected)  # told once

    final = "    with open(path, encoding='utf-8') as f:\n        data = f.read()\n"
    final += "        data = data.strip()"
    assert told == [(URI, "fix_edited", "load", final)]


def test_a_fix_told_before_its_edit_arrived_is_followed_from_the_text_it_makes() -> None:
    tracking, told = _tracking()
    tracking.fix_applied(URI, _tracked(), LINES)  # the editor's change not in yet
    edited = [*AFTER_FIX]
    edited[2] = "        data = f.read(100)"
    tracking.saved(URI, edited)
    assert told == [
        (URI, "fix_edited", "load", "    with open(path) as f:\n        data = f.read(100)")
    ]


def test_a_fix_undone_or_deleted_is_not_a_correction() -> None:
    tracking, told = _tracking()
    tracking.fix_applied(URI, _tracked(), AFTER_FIX)
    tracking.saved(URI, LINES)  # undone: the evidence is back
    tracking.fix_applied(URI, _tracked(), AFTER_FIX)
    tracking.saved(URI, ["def load(path):", "    return data", ""])  # its lines deleted
    tracking.saved(URI, AFTER_FIX)
    assert told == []


def test_a_fix_not_where_it_was_offered_is_not_followed() -> None:
    tracking, told = _tracking()
    tracking.fix_applied(URI, _tracked(), ["def load(path):", "    pass", ""])
    tracking.saved(URI, ["def load(path):", "    pass  # changed", ""])
    assert told == []


def test_a_finding_whose_lines_changed_by_hand_is_told_when_its_function_is_reviewed() -> None:
    tracking, told = _tracking()
    shown = _tracked()
    tracking.published(URI, [shown], LINES)
    changed = [*LINES]
    changed[1] = "    f = open(path, 'rb')"
    tracking.published(URI, [], changed)  # gone from view: not reviewed yet
    assert told == []

    tracking.reviewed("m.py", "other")
    tracking.published(URI, [], changed)
    assert told == []
    tracking.reviewed("m.py", "load")
    tracking.published(URI, [], changed)
    tracking.reviewed("m.py", "load")
    tracking.published(URI, [], changed)  # told once
    assert told == [(URI, "changed_by_hand", "load", None)]


def test_a_finding_still_found_after_the_change_or_still_on_its_lines_is_not_told() -> None:
    tracking, told = _tracking()
    shown = _tracked()
    tracking.published(URI, [shown], LINES)
    changed = [*LINES]
    changed[1] = "    f = open( path )"
    tracking.published(URI, [], changed)
    tracking.reviewed("m.py", "load")
    # The model finds it again in the edited function: a near-identical finding.
    again = _tracked(
        function_hash="h2",
        evidence_lines=("    f = open( path )", "    data = f.read()"),
    )
    tracking.published(URI, [again], changed)
    # Hidden by a setting or a comment, its lines unchanged: not changed by hand.
    tracking.published(URI, [], changed)
    tracking.reviewed("m.py", "load")
    tracking.published(URI, [], changed)
    assert told == []


def test_a_finding_fixed_or_ignored_through_siyada_is_not_changed_by_hand() -> None:
    tracking, told = _tracking()
    fixed, ignored = (
        _tracked(),
        _tracked(function="ratio", start=3, evidence_lines=("    return data",)),
    )
    tracking.published(URI, [fixed, ignored], LINES)
    tracking.published(URI, [], ["def load(path):", "    with open(path) as f:", ""])
    tracking.fix_applied(URI, fixed, AFTER_FIX)
    tracking.ignored(URI, ignored)
    tracking.reviewed("m.py", "load")
    tracking.reviewed("m.py", "ratio")
    tracking.published(URI, [], ["def load(path):", "    with open(path) as f:", ""])
    assert told == []


def test_a_closed_document_forgets_what_was_followed() -> None:
    tracking, told = _tracking()
    tracked = _tracked()
    tracking.offer(URI, "ignore_comment", tracked)
    tracking.fix_applied(URI, tracked, AFTER_FIX)
    tracking.forget(URI)
    assert tracking.take_offered(URI, "ignore_comment", tracked.data) is None
    tracking.saved(URI, ["changed"])
    assert told == []
