"""`siyada dataset export` as a user runs it: `siyada check` against the Ollama double
fills the feedback store with the model's answers, the team's feedback is recorded
through the store's API, and the export's files are read back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from siyada.feedback.store import FeedbackStore
from tests.e2e.conftest import MODEL, feedback_event, finding, run_siyada
from tests.model_server import OllamaDouble

CODE = """\
def load(path):
    f = open(path)
    data = eval(f.read())
    return data


def run(command):
    import os
    os.system(command)


def add(a, b):
    return a + b


def square(x):
    return x * x
"""
OPEN = finding("    f = open(path)", replacement="    f = open(path, encoding='utf-8')")
EVAL = finding("    data = eval(f.read())", title="eval of file content", category="security")
SYSTEM = finding("    os.system(command)", title="Shell command from input", category="security")


def fill_store(tmp_path: Path) -> list[list[dict[str, str]]]:
    """`siyada check` on CODE (load has two findings, run one, add and square none);
    the messages the double was sent."""
    source = tmp_path / "project" / "app.py"
    source.parent.mkdir()
    source.write_text(CODE)
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("function: load\n", content={"findings": [OPEN, EVAL]})
        double.add_rule("function: run\n", content={"findings": [SYSTEM]})
        checked = run_siyada("check", str(source), "--endpoint", double.url, "--model", MODEL)
        sent = [request["messages"] for request in double.chat_requests]
    assert checked.returncode == 1, checked.stderr
    assert len(sent) == 4
    return sent


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_checked_project_with_feedback_exports_the_findings_the_team_kept(
    tmp_path: Path, isolated_cache: Path
) -> None:
    sent = fill_store(tmp_path)
    with FeedbackStore(isolated_cache) as store:
        records = {record.function: record for record in store.reviews()}
        assert sorted(records) == ["add", "load", "run", "square"]
        load, run = records["load"], records["run"]
        store.dismiss(feedback_event(load, "dismissed", EVAL))
        fixed = "    with open(path, encoding='utf-8') as f:"
        store.record(feedback_event(load, "fix_edited", OPEN, final_text=fixed))
        store.record(feedback_event(run, "ignore_comment", SYSTEM))
    out = tmp_path / "dataset"

    exported = run_siyada(
        *("dataset", "export", "--out", str(out)),
        *("--clean-sample", "1", "--validation-fraction", "0"),
    )

    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == ""
    assert (
        f"Exported 4 examples (4 train, 0 validation) from 4 reviews to {out}; "
        f"the data card is {out / 'DATA_CARD.md'}." in exported.stderr
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "DATA_CARD.md",
        "data_card.json",
        "train.jsonl",
        "validation.jsonl",
    ]
    assert (out / "validation.jsonl").read_text() == ""
    examples = read_jsonl(out / "train.jsonl")
    by_function = {e["messages"][1]["content"].split("\n")[0]: e["messages"] for e in examples}
    assert sorted(by_function) == [
        f"Review this python function: {name}" for name in ("add", "load", "run", "square")
    ]
    # The system and user turns are exactly what the engine sent the double.
    assert sorted(json.dumps(m[:2]) for m in by_function.values()) == sorted(
        json.dumps(m) for m in sent
    )
    assert all(m[2]["role"] == "assistant" for m in by_function.values())
    answers = {
        name.rsplit(" ", 1)[1]: json.loads(messages[2]["content"])
        for name, messages in by_function.items()
    }
    assert answers["load"] == {
        "findings": [
            {
                "category": "bug",
                "severity": "warning",
                "title": "File handle is never closed",
                "explanation": "Explanation of: File handle is never closed.",
                "evidence": "    f = open(path)",
                "replacement": fixed,
                "confidence": 0.9,
            }
        ]
    }
    assert answers["run"] == answers["add"] == answers["square"] == {"findings": []}

    card = json.loads((out / "data_card.json").read_text())
    assert card["counts"] == {
        "reviews_read": 4,
        "reviews_of_other_models": 0,
        "reviews_unusable": 0,
        "events_read": 3,
        "duplicates_removed": 0,
        "examples": 4,
        "train": 4,
        "validation": 0,
        "findings_kept": {"accepted": 0, "corrected": 1, "fixed_by_hand": 0, "untouched": 0},
        "findings_dropped": {"dismissed": 1, "ignore_comment": 1},
        "corrected_fixes": 1,
        "fixes_too_long": 0,
        "clean_available": 2,
        "clean_sampled": 2,
        "emptied_by_feedback": 1,
    }
    assert card["options"] == {
        "validation_fraction": 0.0,
        "clean_sample": 1.0,
        "seed": 0,
        "model": None,
    }
    assert card["models"] == {MODEL: 4}
    markdown = (out / "DATA_CARD.md").read_text()
    assert "| findings kept: corrected | 1 |" in markdown
    assert f"| {MODEL} | 4 |" in markdown


def test_a_second_export_into_the_same_folder_needs_force_and_keeps_other_files(
    tmp_path: Path,
) -> None:
    fill_store(tmp_path)
    out = tmp_path / "dataset"
    assert run_siyada("dataset", "export", "--out", str(out)).returncode == 0
    (out / "notes.md").write_text("my notes")
    before = (out / "train.jsonl").read_bytes()

    refused = run_siyada("dataset", "export", "--out", str(out), "--seed", "5")
    forced = run_siyada("dataset", "export", "--out", str(out), "--seed", "5", "--force")

    assert refused.returncode == 2
    assert "is not empty" in refused.stderr and "--force" in refused.stderr
    assert forced.returncode == 0, forced.stderr
    assert (out / "notes.md").read_text() == "my notes"
    assert json.loads((out / "data_card.json").read_text())["options"]["seed"] == 5
    # The two findings kept in load (nothing dismissed here) are in the same file again.
    assert b"eval of file content" in before
    assert b"eval of file content" in (out / "train.jsonl").read_bytes()


def test_an_empty_store_and_an_out_that_is_a_file_exit_2_and_write_nothing(
    tmp_path: Path,
) -> None:
    out = tmp_path / "dataset"
    a_file = tmp_path / "taken"
    a_file.write_text("keep")

    empty = run_siyada("dataset", "export", "--out", str(out))
    on_a_file = run_siyada("dataset", "export", "--out", str(a_file))
    bad_fraction = run_siyada("dataset", "export", "--out", str(out), "--clean-sample", "1.5")
    in_arabic = run_siyada(
        "dataset", "export", "--out", str(out), env={**os.environ, "LANG": "ar_SA.UTF-8"}
    )

    assert empty.returncode == 2
    assert empty.stderr == "siyada: nothing to export: review some code first\n"
    assert not out.exists()
    assert on_a_file.returncode == 2
    assert on_a_file.stderr == f"siyada: --out {a_file} is a file; name a folder for the dataset\n"
    assert a_file.read_text() == "keep"
    assert bad_fraction.returncode == 2
    assert "expected a number from 0 to 1, got '1.5'" in bad_fraction.stderr
    assert in_arabic.returncode == 2
    assert in_arabic.stderr == "siyada: لا شيء للتصدير: راجِع بعض الشيفرة أولًا\n"
