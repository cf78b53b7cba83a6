"""Unit tests for parsing, validating and anchoring model findings."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from siyada.review.anchor import anchor, reindent
from siyada.review.answer import (
    MAX_ANSWER_CHARS,
    MAX_FINDINGS_CONSIDERED,
    parse_answer,
    select_findings,
    validate,
)
from siyada.review.findings import (
    CATEGORIES,
    FINDINGS_SCHEMA,
    SEVERITIES,
    Finding,
    findings_from_json,
    findings_to_json,
    severity_rank,
)

PYTHON_FUNCTION = """\
def load_users(path, ids):
    users = []
    with open(path) as handle:
        rows = json.load(handle)
    for row in rows:
        if row["id"] in ids:
            users.append(row)
    query = "SELECT * FROM users WHERE name = '%s'" % row["name"]
    return users"""

GO_FUNCTION = """\
func sum(xs []int) int {
\ttotal := 0
\tfor i := 0; i <= len(xs); i++ {
\t\ttotal += xs[i]
\t}
\treturn total
}"""


def finding(**overrides: Any) -> dict[str, Any]:
    """A valid finding object as a model would send it."""
    item: dict[str, Any] = {
        "category": "bug",
        "severity": "warning",
        "title": "Leaks the loop variable",
        "explanation": "row is the last row, not the user being looked up.",
        "evidence": """    query = "SELECT * FROM users WHERE name = '%s'" % row["name"]""",
        "confidence": 0.8,
    }
    item.update(overrides)
    return item


def answer(*items: dict[str, Any]) -> str:
    return json.dumps({"findings": list(items)})


def select(
    content: str, function_text: str = PYTHON_FUNCTION, max_findings: int = 5
) -> list[Finding]:
    return select_findings(content, function_text, max_findings)


# --- constants ---------------------------------------------------------------------


def test_schema_is_the_contract() -> None:
    items = FINDINGS_SCHEMA["properties"]["findings"]["items"]
    assert FINDINGS_SCHEMA["required"] == ["findings"]
    assert items["required"] == [
        "category",
        "severity",
        "title",
        "explanation",
        "evidence",
        "confidence",
    ]
    assert items["properties"]["category"]["enum"] == list(CATEGORIES)
    assert items["properties"]["severity"]["enum"] == list(SEVERITIES)
    assert items["properties"]["confidence"]["type"] == "number"
    assert items["properties"]["replacement"]["type"] == "string"
    assert "$ref" not in json.dumps(FINDINGS_SCHEMA)
    assert "anyOf" not in json.dumps(FINDINGS_SCHEMA)


def test_case3_answer_schema_bounds_findings_strings_and_confidence() -> None:
    # Engines compile these into the decoding grammar, so a degenerate model stops early.
    findings = FINDINGS_SCHEMA["properties"]["findings"]
    properties = findings["items"]["properties"]
    assert findings["maxItems"] == 3
    texts = ("title", "explanation", "evidence", "replacement")
    assert {name: properties[name]["maxLength"] for name in texts} == {
        "title": 80,
        "explanation": 300,
        "evidence": 400,
        "replacement": 600,
    }
    assert properties["confidence"] == {"type": "number", "minimum": 0, "maximum": 1}
    strings = [name for name, spec in properties.items() if spec["type"] == "string"]
    assert all("maxLength" in properties[name] or "enum" in properties[name] for name in strings)


def test_severities_are_ordered_most_severe_first() -> None:
    assert SEVERITIES == ("error", "warning", "info", "hint")


# --- parse_answer ------------------------------------------------------------------


def test_parses_plain_json() -> None:
    assert parse_answer(answer(finding())) == [finding()]


def test_parses_empty_findings() -> None:
    assert parse_answer('{"findings": []}') == []


@pytest.mark.parametrize(
    "wrapped",
    [
        "```json\n{body}\n```",
        "```\n{body}\n```",
        "```JSON\n{body}\n```\n",
        "Here is my review:\n\n```json\n{body}\n```\n\nLet me know if you need more.",
        "Here is my review: {body} Hope this helps!",
        "{body}\n\nNote: the {{braces}} in prose are ignored.",
        "Explanation with [brackets] and {{a: 1}} first. {body}",
        "  \n\t{body}\n\n",
    ],
)
def test_parses_json_wrapped_in_fences_or_prose(wrapped: str) -> None:
    content = wrapped.replace("{body}", answer(finding())).replace("{{", "{").replace("}}", "}")
    assert parse_answer(content) == [finding()]


def test_outermost_object_with_findings_wins() -> None:
    content = json.dumps({"findings": [finding(title="outer")], "nested": {"findings": []}})
    assert [item["title"] for item in parse_answer(content)] == ["outer"]


def test_findings_nested_in_another_object_are_found() -> None:
    content = json.dumps({"review": {"findings": [finding()]}})
    assert parse_answer(content) == [finding()]


def test_parses_bare_list_of_findings() -> None:
    assert parse_answer(json.dumps([finding(), finding(title="two")]))[1]["title"] == "two"


def test_parses_bare_list_in_prose() -> None:
    content = "Findings:\n```json\n" + json.dumps([finding()]) + "\n```"
    assert parse_answer(content) == [finding()]


def test_parses_single_finding_object() -> None:
    assert parse_answer(json.dumps(finding())) == [finding()]


def test_findings_as_single_object_is_wrapped() -> None:
    assert parse_answer(json.dumps({"findings": finding()})) == [finding()]


@pytest.mark.parametrize("value", ["null", '"none"', "3", "true"])
def test_findings_of_wrong_type_gives_nothing(value: str) -> None:
    assert parse_answer('{"findings": ' + value + "}") == []


def test_non_object_items_are_dropped() -> None:
    content = json.dumps({"findings": [1, "x", None, [finding()], finding()]})
    assert parse_answer(content) == [finding()]


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "no findings here",
        "{",
        "}{",
        "[",
        '{"findings": [',
        '{"findings": [{"category": "bug"',
        "null",
        "[1, 2, 3]",
        '{"other": 1}',
        "NaN",
        "{'findings': []}",
        "```json\n```",
        "\x00\x01\x02",
        '{"findings": [{"a": 1' + "]" * 50,
        "[" * 100_000,
        "{" * 100_000,
        '{"a":' * 100_000,
        '{"n": ' + "9" * 10_000 + "}",
    ],
)
def test_garbage_gives_nothing(garbage: str) -> None:
    assert parse_answer(garbage) == []


def test_non_string_content_gives_nothing() -> None:
    assert parse_answer(None) == []  # type: ignore[arg-type]
    assert parse_answer(b'{"findings": []}') == []  # type: ignore[arg-type]


def test_truncated_answer_salvages_complete_list() -> None:
    # A `length` stop cuts the outer object; the complete array inside still decodes.
    content = '{"findings": [' + json.dumps(finding()) + "]"
    assert parse_answer(content) == [finding()]


def test_number_of_findings_considered_is_capped() -> None:
    content = answer(*[finding(title=f"t{i}") for i in range(100)])
    items = parse_answer(content)
    assert len(items) == MAX_FINDINGS_CONSIDERED
    assert items[0]["title"] == "t0"


def test_enormous_answer_is_capped_and_fast() -> None:
    content = answer(finding()) + " filler" * (MAX_ANSWER_CHARS // 3)
    started = time.perf_counter()
    assert parse_answer(content) == [finding()]
    assert parse_answer("x" * MAX_ANSWER_CHARS + answer(finding())) == []
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    "hostile",
    [
        '{"a":[' * 300 + "1," * 99_000,
        '[{"a":' * 300 + "1," * 99_000,
        '{"a":"' + "{" * 199_000,
        '{"findings":' * 600 + '"' + "x" * 190_000,
        "{}" * 100_000,
    ],
)
def test_hostile_answers_are_bounded(hostile: str) -> None:
    started = time.perf_counter()
    assert parse_answer(hostile) == []
    assert time.perf_counter() - started < 2


# --- validate ----------------------------------------------------------------------


def test_valid_finding_is_normalised() -> None:
    raw = finding(
        category=" Security ",
        severity="ERROR",
        title="  SQL injection ",
        explanation=" Built by string formatting. ",
        confidence=1,
        replacement="x",
    )
    checked = validate(raw)
    assert checked == {
        "category": "security",
        "severity": "error",
        "title": "SQL injection",
        "explanation": "Built by string formatting.",
        "evidence": raw["evidence"],
        "replacement": "x",
        "fix_title": None,
        "confidence": 1.0,
    }


def test_evidence_is_kept_verbatim() -> None:
    checked = validate(finding(evidence="  x = 1  \n"))
    assert checked is not None
    assert checked["evidence"] == "  x = 1  \n"


@pytest.mark.parametrize(
    "field", ["category", "severity", "title", "explanation", "evidence", "confidence"]
)
def test_missing_required_field_is_rejected(field: str) -> None:
    raw = finding()
    del raw[field]
    assert validate(raw) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "style"),
        ("category", "bugs"),
        ("category", 1),
        ("category", None),
        ("category", ["bug"]),
        ("severity", "critical"),
        ("severity", "warn"),
        ("severity", 2),
        ("title", ""),
        ("title", "   "),
        ("title", 5),
        ("title", None),
        ("explanation", "\n"),
        ("explanation", ["a"]),
        ("evidence", ""),
        ("evidence", " \n "),
        ("evidence", 12),
        ("evidence", ["x = 1"]),
        ("confidence", True),
        ("confidence", False),
        ("confidence", None),
        ("confidence", "high"),
        ("confidence", "80%"),
        ("confidence", float("nan")),
        ("confidence", float("inf")),
        ("confidence", "nan"),
        ("confidence", [0.5]),
        ("replacement", 5),
        ("replacement", ["x"]),
        ("replacement", {"code": "x"}),
    ],
)
def test_wrong_type_or_value_is_rejected(field: str, value: object) -> None:
    assert validate(finding(**{field: value})) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, 0.5),
        (0, 0.0),
        (1, 1.0),
        (1.7, 1.0),
        (85, 1.0),
        (-0.3, 0.0),
        ("0.8", 0.8),
        (" 1 ", 1.0),
    ],
)
def test_confidence_is_clamped(value: object, expected: float) -> None:
    checked = validate(finding(confidence=value))
    assert checked is not None
    assert checked["confidence"] == expected


@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_null_or_blank_replacement_means_no_fix(value: object) -> None:
    checked = validate(finding(replacement=value))
    assert checked is not None
    assert checked["replacement"] is None


def test_missing_replacement_means_no_fix() -> None:
    checked = validate(finding())
    assert checked is not None
    assert checked["replacement"] is None


def test_extra_fields_are_ignored() -> None:
    checked = validate(finding(line=12, fix="x"))
    assert checked is not None
    assert "line" not in checked


@pytest.mark.parametrize("item", [None, "finding", 3, [finding()], ("a",)])
def test_non_object_is_rejected(item: object) -> None:
    assert validate(item) is None


# --- anchor ------------------------------------------------------------------------


def test_anchors_exact_single_line() -> None:
    assert anchor("    users = []", PYTHON_FUNCTION) == (1, 1)


def test_anchors_first_and_last_lines() -> None:
    assert anchor("def load_users(path, ids):", PYTHON_FUNCTION) == (0, 0)
    assert anchor("    return users", PYTHON_FUNCTION) == (8, 8)


def test_anchors_multi_line_block() -> None:
    evidence = "    with open(path) as handle:\n        rows = json.load(handle)"
    assert anchor(evidence, PYTHON_FUNCTION) == (2, 3)


def test_anchors_ignoring_whitespace_around_lines() -> None:
    evidence = "with open(path) as handle:\nrows = json.load(handle)   "
    assert anchor(evidence, PYTHON_FUNCTION) == (2, 3)


def test_anchors_ignoring_blank_lines_and_newline_styles_around_evidence() -> None:
    evidence = "\n\r\n  for row in rows:\r\n        if row['id'] in ids:\n\n"
    assert anchor(evidence, PYTHON_FUNCTION) is None  # quotes differ: not verbatim
    evidence = '\n\r\n  for row in rows:\r\n        if row["id"] in ids:\n\n'
    assert anchor(evidence, PYTHON_FUNCTION) == (4, 5)


def test_anchors_evidence_in_code_fence() -> None:
    assert anchor("```python\n    users = []\n```", PYTHON_FUNCTION) == (1, 1)


def test_interior_blank_lines_must_match() -> None:
    text = "def f():\n    a = 1\n\n    b = 2"
    assert anchor("a = 1\n\nb = 2", text) == (1, 3)
    assert anchor("a = 1\nb = 2", text) is None


@pytest.mark.parametrize(
    "evidence",
    [
        "    total = 0",  # not in the function
        "users = list()",
        "    with open(path) as handle:\n        rows = yaml.load(handle)",  # one line invented
        "    users = []\n    return users",  # real lines, not contiguous
        "return users\n    users = []",  # real lines, wrong order
        "",
        "   \n  ",
    ],
)
def test_invented_evidence_is_not_anchored(evidence: str) -> None:
    assert anchor(evidence, PYTHON_FUNCTION) is None


@pytest.mark.parametrize(
    "evidence",
    ["12", "3", " 4 ", "line 3", "Line 3-4", "lines 3, 4", "L3", "ln 3", "line 2 to 4", "3-4"],
)
def test_line_numbers_are_not_evidence(evidence: str) -> None:
    numbered = "\n".join(str(n) for n in range(20))
    assert anchor(evidence, PYTHON_FUNCTION) is None
    # Even when a line of the function reads exactly like it.
    assert anchor(evidence, numbered) is None


def test_evidence_in_several_places_is_ambiguous() -> None:
    text = "def f(a, b):\n    a.close()\n    b.close()\n    a.close()\n    return a"
    assert anchor("    a.close()", text) is None
    assert anchor("a.close()", text) is None


def test_ambiguous_after_stripping_is_rejected() -> None:
    text = "def f(x):\n    if x:\n        y = 1\n    y = 1\n    return y"
    assert anchor("y = 1", text) is None
    # An exact, unique match is specific enough even if the stripped text repeats.
    assert anchor("        y = 1", text) == (2, 2)
    assert anchor("    y = 1", text) == (3, 3)


def test_ambiguous_multi_line_block_is_rejected() -> None:
    text = "def f():\n    a()\n    b()\n    a()\n    b()"
    assert anchor("a()\nb()", text) is None
    assert anchor("b()\n    a()", text) == (2, 3)


def test_fragment_of_one_line_anchors_that_line() -> None:
    assert anchor("json.load(handle)", PYTHON_FUNCTION) == (3, 3)
    assert anchor('% row["name"]', PYTHON_FUNCTION) == (7, 7)


@pytest.mark.parametrize(
    "fragment",
    [
        "row",  # too short
        "users",  # too short and in several lines
        "in ids",  # too short
        "  (path)  ",  # too short once stripped
        'row["id"]\nusers.append',  # fragments over two lines
    ],
)
def test_short_or_multi_line_fragments_are_not_anchored(fragment: str) -> None:
    assert anchor(fragment, PYTHON_FUNCTION) is None


def test_fragment_in_several_lines_is_ambiguous() -> None:
    text = "def f(items):\n    items.append(1)\n    items.append(2)"
    assert anchor("items.append(", text) is None


def test_anchors_tab_indented_code() -> None:
    assert anchor("\tfor i := 0; i <= len(xs); i++ {", GO_FUNCTION) == (2, 2)
    assert anchor("for i := 0; i <= len(xs); i++ {\n    total += xs[i]", GO_FUNCTION) == (2, 3)
    assert anchor("\t}", GO_FUNCTION) == (4, 4)
    assert anchor("}", GO_FUNCTION) == (6, 6)


def test_anchors_non_ascii_evidence() -> None:
    text = (
        "def greet(name):\n"
        "    # تحية المستخدم 👋\n"
        '    message = "مرحبا " + name + " 🎉"\n'
        "    print(message)\n"
        "    return message"
    )
    assert anchor('message = "مرحبا " + name + " 🎉"', text) == (2, 2)
    assert anchor('    # تحية المستخدم 👋\n    message = "مرحبا " + name + " 🎉"', text) == (1, 2)
    assert anchor("مرحبا العالم", text) is None
    assert anchor('"مرحبا " + name', text) == (2, 2)


def test_whole_function_is_evidence() -> None:
    assert anchor(PYTHON_FUNCTION, PYTHON_FUNCTION) == (0, 8)


def test_evidence_longer_than_function_is_not_anchored() -> None:
    assert anchor(PYTHON_FUNCTION + "\n    pass", PYTHON_FUNCTION) is None


# --- reindent ----------------------------------------------------------------------


def test_reindent_keeps_already_indented_replacement() -> None:
    assert reindent("    users = set()", ["    users = []"]) == "    users = set()"


def test_reindent_adds_missing_indentation() -> None:
    replacement = "with open(path) as handle:\n    rows = json.load(handle)"
    evidence = ["    with open(path) as handle:", "        rows = json.load(handle)"]
    assert reindent(replacement, evidence) == "\n".join(evidence)


def test_reindent_removes_extra_indentation() -> None:
    replacement = "            if x:\n                y()"
    assert reindent(replacement, ["    if z:", "        w()"]) == "    if x:\n        y()"


def test_reindent_keeps_relative_indentation_under_first_line() -> None:
    replacement = "  try:\n      run()\n  except OSError:\n      pass"
    expected = "        try:\n            run()\n        except OSError:\n            pass"
    assert reindent(replacement, ["        run()"]) == expected


def test_reindent_first_line_deeper_than_later_lines() -> None:
    # Evidence ending a block: the replacement's first line sets the reference.
    replacement = "    return x\nreturn y"
    assert reindent(replacement, ["        return x", "    return y"]) == (
        "        return x\n    return y"
    )


def test_reindent_clamps_dedent_at_column_zero() -> None:
    assert reindent("    a()\nb()", ["a()"]) == "a()\nb()"


def test_reindent_strips_code_fences() -> None:
    replacement = "```python\nusers = set()\n```"
    assert reindent(replacement, ["    users = []"]) == "    users = set()"
    assert reindent("~~~\nx = 1\n~~~\n", ["  y = 2"]) == "  x = 1"
    assert reindent("```go\nx := 1", ["\tx := 2"]) == "\tx := 1"


def test_reindent_drops_blank_edges_and_blank_line_whitespace() -> None:
    replacement = "\n\nif x:\n    \n    y()\n\n"
    assert reindent(replacement, ["    z()"]) == "    if x:\n\n        y()"


def test_reindent_converts_spaces_to_tabs_for_tab_indented_code() -> None:
    replacement = "for i := 0; i < len(xs); i++ {\n    total += xs[i]\n}"
    evidence = ["\tfor i := 0; i <= len(xs); i++ {", "\t\ttotal += xs[i]", "\t}"]
    assert reindent(replacement, evidence) == (
        "\tfor i := 0; i < len(xs); i++ {\n\t\ttotal += xs[i]\n\t}"
    )


def test_reindent_converts_two_space_levels_to_tabs() -> None:
    assert reindent("if x {\n  y()\n    z()\n}", ["\t\tw()"]) == (
        "\t\tif x {\n\t\t\ty()\n\t\t\t\tz()\n\t\t}"
    )


def test_reindent_converts_tabs_to_spaces_for_space_indented_code() -> None:
    assert reindent("if x:\n\ty()", ["    z()"]) == "    if x:\n        y()"


def test_reindent_uses_tabs_when_evidence_starts_at_column_zero_in_tab_code() -> None:
    assert reindent("x()\n    y()", ["}", "\tz()"]) == "x()\n\ty()"


def test_reindent_handles_crlf_and_keeps_trailing_text() -> None:
    assert reindent("a = 1\r\nb = 2  # note\r\n", ["  c = 3"]) == "  a = 1\n  b = 2  # note"


def test_reindent_without_reference_indentation() -> None:
    assert reindent("  x = 1", ["", "   "]) == "  x = 1"
    assert reindent("```\n```", ["    x = 1"]) == ""


def test_reindent_is_identity_on_the_evidence() -> None:
    block = PYTHON_FUNCTION.split("\n")[2:7]
    assert reindent("\n".join(block), block) == "\n".join(block)
    go_block = GO_FUNCTION.split("\n")[1:5]
    assert reindent("\n".join(go_block), go_block) == "\n".join(go_block)


# --- select_findings ---------------------------------------------------------------


def test_select_builds_finding_relative_to_function() -> None:
    found = select(answer(finding(replacement="users = [r for r in rows if r['id'] in ids]")))
    assert found == [
        Finding(
            category="bug",
            severity="warning",
            title="Leaks the loop variable",
            explanation="row is the last row, not the user being looked up.",
            evidence=finding()["evidence"],
            replacement="    users = [r for r in rows if r['id'] in ids]",
            confidence=0.8,
            start_line=7,
            end_line=7,
        )
    ]


def test_select_drops_findings_that_do_not_anchor_or_validate() -> None:
    content = answer(
        finding(evidence="    total = 0"),
        finding(evidence="line 8"),
        finding(category="style"),
        finding(evidence="    return users", title="kept"),
    )
    assert [f.title for f in select(content)] == ["kept"]


def test_select_keeps_every_severity_confidence_and_category() -> None:
    lines = PYTHON_FUNCTION.split("\n")
    content = answer(
        *[
            finding(severity=severity, category=category, confidence=0.0, evidence=lines[n])
            for n, (severity, category) in enumerate(zip(SEVERITIES, CATEGORIES, strict=True))
        ]
    )
    assert [(f.severity, f.category) for f in select(content)] == list(
        zip(SEVERITIES, CATEGORIES, strict=True)
    )


def test_severity_rank_orders_most_severe_first() -> None:
    assert [severity_rank(s) for s in SEVERITIES] == [0, 1, 2, 3]
    assert severity_rank(" Warning ") == 1
    with pytest.raises(ValueError, match="severity"):
        severity_rank("critical")


def test_select_drops_duplicates_of_range_and_category() -> None:
    content = answer(
        finding(title="Injection", severity="warning", confidence=0.9),
        finding(title="Different words", severity="error", confidence=0.6),
    )
    found = select(content)
    assert [(f.title, f.severity) for f in found] == [("Different words", "error")]


def test_select_drops_duplicates_of_title_and_range() -> None:
    content = answer(
        finding(title="SQL injection.", category="security", confidence=0.9),
        finding(title="  sql   Injection", category="bug", confidence=0.7),
    )
    assert [f.category for f in select(content)] == ["security"]


def test_select_keeps_same_title_on_other_lines() -> None:
    content = answer(
        finding(title="Unchecked", evidence="    users = []"),
        finding(title="Unchecked", evidence="    return users"),
    )
    assert [f.start_line for f in select(content)] == [1, 8]


def test_select_duplicate_found_by_fragment_and_whole_line() -> None:
    content = answer(
        finding(evidence="json.load(handle)", title="a"),
        finding(evidence="        rows = json.load(handle)", title="b"),
    )
    assert len(select(content)) == 1


def test_select_sorts_by_line_then_severity() -> None:
    content = answer(
        finding(evidence="    return users", severity="error", title="last"),
        finding(evidence="    users = []", severity="hint", title="first hint"),
        finding(evidence="    users = []", severity="error", category="security", title="first"),
    )
    assert [f.title for f in select(content)] == ["first", "first hint", "last"]


def test_select_caps_keeping_most_important() -> None:
    lines = PYTHON_FUNCTION.split("\n")
    items = [
        finding(evidence=lines[n], severity="hint", title=f"hint {n}", confidence=0.9)
        for n in range(6)
    ]
    items.append(finding(evidence=lines[8], severity="error", title="error"))
    found = select(answer(*items), max_findings=3)
    assert [f.title for f in found] == ["hint 0", "hint 1", "error"]
    assert select(answer(*items), max_findings=0) == []


def test_select_prefers_confidence_within_a_severity() -> None:
    lines = PYTHON_FUNCTION.split("\n")
    items = [finding(evidence=lines[n], title=f"t{n}", confidence=n / 10) for n in range(1, 5)]
    assert [f.title for f in select(answer(*items), max_findings=2)] == ["t3", "t4"]


def test_select_replacement_equal_to_evidence_is_no_fix() -> None:
    content = answer(
        finding(replacement=finding()["evidence"].strip()),
    )
    assert select(content)[0].replacement is None


def test_select_replacement_differing_only_in_trailing_space_is_no_fix() -> None:
    content = answer(finding(evidence="    users = []", replacement="users = []   \n"))
    assert select(content)[0].replacement is None


def test_select_fragment_evidence_has_no_fix() -> None:
    # The replacement was written for the fragment, not the whole line.
    content = answer(finding(evidence="open(path)", replacement='open(path, encoding="utf-8")'))
    found = select(content)
    assert (found[0].start_line, found[0].replacement) == (2, None)
    assert found[0].evidence == "open(path)"


def test_select_reindents_replacement_against_the_code() -> None:
    content = answer(
        finding(
            evidence="with open(path) as handle:\nrows = json.load(handle)",
            replacement="```python\nwith open(path, encoding='utf-8') as handle:\n"
            "    rows = json.load(handle)\n```",
        )
    )
    found = select(content)
    assert (found[0].start_line, found[0].end_line) == (2, 3)
    assert found[0].replacement == (
        "    with open(path, encoding='utf-8') as handle:\n        rows = json.load(handle)"
    )


def test_select_tab_indented_go_function() -> None:
    content = answer(
        finding(
            evidence="for i := 0; i <= len(xs); i++ {",
            replacement="for i := 0; i < len(xs); i++ {",
            title="Off by one",
            severity="error",
        )
    )
    found = select(content, GO_FUNCTION)
    assert found[0].start_line == 2
    assert found[0].replacement == "\tfor i := 0; i < len(xs); i++ {"


def test_select_on_garbage_is_empty() -> None:
    assert select("I think the code is fine.") == []
    assert select("") == []


def test_select_with_prose_and_fences() -> None:
    content = "Review:\n```json\n" + answer(finding()) + "\n```\nDone."
    assert len(select(content)) == 1


def test_select_evidence_that_is_a_line_number() -> None:
    for evidence in ("8", "line 8", "lines 8-9"):
        assert select(answer(finding(evidence=evidence))) == []


# --- JSON round-trip ---------------------------------------------------------------


def sample_findings() -> list[Finding]:
    content = answer(
        finding(replacement="users = []  # fixed", evidence="    users = []"),
        finding(evidence="    return users", category="performance", confidence=1),
    )
    return select(content)


def test_json_round_trip() -> None:
    findings = sample_findings()
    stored = json.loads(json.dumps(findings_to_json(findings)))
    assert findings_from_json(stored) == findings
    assert isinstance(findings_from_json(stored)[1].confidence, float)


def test_json_round_trip_empty() -> None:
    assert findings_from_json(findings_to_json([])) == []


@pytest.mark.parametrize(
    "damage",
    [
        {"category": "style"},
        {"severity": 3},
        {"title": None},
        {"replacement": 5},
        {"confidence": "0.5"},
        {"confidence": True},
        {"start_line": -1},
        {"start_line": 5, "end_line": 4},
        {"end_line": 1.0},
        {"unexpected": 1},
    ],
)
def test_damaged_json_raises(damage: dict[str, Any]) -> None:
    stored = findings_to_json(sample_findings())
    stored[0].update(damage)
    with pytest.raises(ValueError):
        findings_from_json(stored)


def test_json_missing_field_or_wrong_shape_raises() -> None:
    stored = findings_to_json(sample_findings())
    del stored[0]["evidence"]
    with pytest.raises(ValueError):
        findings_from_json(stored)
    with pytest.raises(ValueError):
        findings_from_json([None])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        findings_from_json({"findings": []})  # type: ignore[arg-type]
