"""An open document: text and functions in step, answers by hash, findings carried
over to edited functions, and the limits."""

from __future__ import annotations

from siyada.code.functions import FunctionUnit
from siyada.code.languages import language_for
from siyada.code.source import TextEdit, edit_between
from siyada.review.findings import Finding
from siyada.review.open_document import OpenDocument
from siyada.review.settings import Settings

PYTHON = language_for("python")
URI = "file:///work/m.py"
SOURCE = (
    "def load(path):\n    f = open(path)\n    return f.read()\n\n\ndef other(x):\n    return x\n"
)
SETTINGS = Settings()


class Answers:
    """A cache lookup that counts how often it is asked."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[Finding, ...]] = {}
        self.asked = 0

    def __call__(self, language: str, unit: FunctionUnit) -> tuple[Finding, ...] | None:
        self.asked += 1
        return self.known.get(unit.hash)


def _finding(evidence: str, line: int) -> Finding:
    return Finding(
        category="bug",
        severity="warning",
        title="File handle is never closed",
        explanation="...",
        evidence=evidence,
        replacement=None,
        confidence=0.9,
        start_line=line,
        end_line=line,
    )


def _open(text: str = SOURCE, answers: Answers | None = None) -> OpenDocument:
    assert PYTHON is not None
    doc = OpenDocument(URI, PYTHON, 1, text, answers or Answers())
    assert doc.refresh(SETTINGS) is None
    return doc


def _change(doc: OpenDocument, new_text: str, edited_line: int | None = None) -> None:
    doc.apply((doc.version or 0) + 1, [edit_between(doc.text, new_text)], edited_line=edited_line)
    doc.functions_changed(SETTINGS, edited_line)


def _unit(doc: OpenDocument, name: str) -> FunctionUnit:
    (unit,) = [u for u in doc.units if u.name == name]
    return unit


def test_refresh_gives_the_lines_and_functions_of_the_text() -> None:
    doc = _open()
    assert [u.name for u in doc.units] == ["load", "other"]
    assert doc.lines == SOURCE.split("\n")
    assert doc.not_reviewed is None and doc.wanted == set()
    doc.want_all()
    assert doc.wanted == {u.hash for u in doc.units}
    assert doc.contains(doc.units[0].hash) and not doc.contains("no such hash")


def test_an_edited_function_is_wanted_and_becomes_the_latest_edit() -> None:
    doc = _open()
    load, other = doc.units
    _change(doc, SOURCE.replace("return x", "return x * 2"))
    assert doc.wanted == {_unit(doc, "other").hash}
    assert _unit(doc, "load") == load  # untouched: same hash, nothing to ask
    assert _unit(doc, "other").hash != other.hash
    assert doc.recent_edits == ["other"]
    # A whole-document change has no edited line: the changed function stands for it.
    assert doc.last_edited_line == _unit(doc, "other").start_line


def test_recent_edits_keep_the_five_latest_names_most_recent_first() -> None:
    text = "".join(f"def f{i}(x):\n    return x\n\n\n" for i in range(7))
    doc = _open(text)
    for i in range(7):
        text = text.replace(f"def f{i}(x):\n    return x\n", f"def f{i}(x):\n    return -x\n")
        _change(doc, text, edited_line=4 * i + 1)
    assert doc.recent_edits == ["f6", "f5", "f4", "f3", "f2"]
    assert doc.last_edited_line == 25


def test_findings_move_with_a_function_when_lines_above_it_change() -> None:
    answers = Answers()
    doc = _open(answers=answers)
    load = _unit(doc, "load")
    answers.known[load.hash] = (_finding("    f = open(path)", 1),)
    assert [p.start_line for p in doc.snapshot(SETTINGS).findings] == [1]

    _change(doc, "import os\n\n" + SOURCE, edited_line=0)
    assert doc.wanted == set()  # same text, same hash: no new review
    assert [p.start_line for p in doc.snapshot(SETTINGS).findings] == [3]


def test_findings_of_an_edited_function_are_carried_over_until_its_review_lands() -> None:
    answers = Answers()
    doc = _open(answers=answers)
    load = _unit(doc, "load")
    answers.known[load.hash] = (
        _finding("    f = open(path)", 1),
        _finding("    return f.read()", 2),
    )
    edited = SOURCE.replace("    f = open(path)\n", "    # opened here\n    f = open(path)\n")
    _change(doc, edited, edited_line=1)

    new_load = _unit(doc, "load")
    carried = doc.provisional[new_load.hash]
    assert [(f.evidence, f.start_line, f.end_line) for f in carried] == [
        ("    f = open(path)", 2, 2),
        ("    return f.read()", 3, 3),
    ]
    assert carried[0].title == "File handle is never closed"  # the rest unchanged
    assert [p.start_line for p in doc.snapshot(SETTINGS).findings] == [2, 3]

    doc.answered(new_load.hash, ())
    assert new_load.hash not in doc.provisional
    assert doc.snapshot(SETTINGS).findings == []


def test_a_carried_finding_whose_evidence_is_gone_is_dropped() -> None:
    answers = Answers()
    doc = _open(answers=answers)
    answers.known[_unit(doc, "load").hash] = (_finding("    f = open(path)", 1),)
    _change(doc, SOURCE.replace("    f = open(path)", "    f = open(path, 'rb')"))
    assert doc.provisional == {}
    assert doc.snapshot(SETTINGS).findings == []


def test_answers_are_looked_up_once_per_function_until_forgotten() -> None:
    answers = Answers()
    doc = _open(answers=answers)
    doc.snapshot(SETTINGS)
    doc.snapshot(SETTINGS)
    assert answers.asked == 2  # once per function
    doc.forget_answers()
    doc.snapshot(SETTINGS)
    assert answers.asked == 4


def test_a_document_over_a_limit_has_no_functions_and_says_so_once_per_reason() -> None:
    assert PYTHON is not None
    small = Settings(max_file_kb=1)
    doc = OpenDocument(URI, PYTHON, 1, SOURCE, Answers())
    assert doc.refresh(small) is None
    big = SOURCE + "".join(f"\ndef f{i}(x):\n    return x + {i}\n" for i in range(100))
    doc.apply(2, [TextEdit(0, len(SOURCE), big)])
    reason = doc.functions_changed(small, None)
    assert reason is not None and "siyada.maxFileKb" in reason
    assert doc.units == [] and doc.not_reviewed == reason
    doc.apply(3, [TextEdit(len(doc.text), len(doc.text), "\n")])
    assert doc.functions_changed(small, None) is None  # still over, for the same reason
    doc.apply(4, [], full_text=SOURCE)
    assert doc.functions_changed(small, None) is None
    assert doc.not_reviewed is None and [u.name for u in doc.units] == ["load", "other"]
    assert doc.version == 4 and doc.text == SOURCE


def test_a_finding_stays_through_every_keystroke_of_a_block_typed_above_it() -> None:
    spec = language_for("javascript")
    assert spec is not None
    source = "function load(path) {\n  const f = open(path);\n  return f;\n}\n"
    answers = Answers()
    doc = OpenDocument(URI, spec, 1, source, answers)
    assert doc.refresh(SETTINGS) is None
    answers.known[doc.units[0].hash] = (_finding("  const f = open(path);", 1),)
    assert [p.start_line for p in doc.snapshot(SETTINGS).findings] == [1]
    at = source.index("\n") + 1
    shown = []
    # `{` typed before its `}` makes the function read as `<anonymous>` for a moment.
    for piece in ["  if (x) {", "\n", "  }", "\n"]:
        _change(doc, doc.text[:at] + piece + doc.text[at:], edited_line=1)
        at += len(piece)
        shown.append([p.start_line for p in doc.snapshot(SETTINGS).findings])
    # Nothing while the function is `<anonymous>` or its evidence shares a line with
    # the `}` being typed; back on its line once the evidence is whole again.
    assert shown == [[], [], [], [3]]


def test_a_finding_goes_at_once_when_its_evidence_line_is_edited_even_if_still_quoted() -> None:
    answers = Answers()
    doc = _open(answers=answers)
    answers.known[_unit(doc, "load").hash] = (_finding("f = open(path)", 1),)
    _change(doc, SOURCE.replace("    f = open(path)", "    f = open(path)  # later"))
    assert doc.snapshot(SETTINGS).findings == []
