"""The fine-tuning loop's dataset, made the way a team makes it: a scripted session.

`siyada check` reviews a small project against the Ollama double (its answers are
scripted), which records each function's messages and answer in the feedback store;
the team's feedback goes in through the store's API (one finding dismissed, one fix
corrected after it was applied); then `siyada dataset export` writes the chats the
trainer reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from siyada.feedback.store import FeedbackStore
from tests.e2e.conftest import MODEL, feedback_event, finding, run_siyada
from tests.model_server import OllamaDouble

PROJECT: Final = {
    "config.py": ("def read_config(path):\n    handle = open(path)\n    return handle.read()\n"),
    "files.py": (
        'import subprocess\n\n\ndef remove(name):\n    subprocess.run(f"rm {name}", shell=True)\n'
    ),
    "sums.py": (
        "def total(items):\n"
        "    result = 0\n"
        "    for i in range(len(items) + 1):\n"
        "        result += items[i]\n"
        "    return result\n"
    ),
    "maths.py": "def add(a, b):\n    return a + b\n",
}
LEAK: Final = finding(
    "    handle = open(path)",
    title="File never closed",
    replacement="    handle = open(path, encoding='utf-8')",
)
# The team corrected the model's fix after applying it: this text is what it kept.
LEAK_AS_CORRECTED: Final = "    with open(path) as handle:"
NAMING: Final = finding(
    "    return handle.read()", title="Unclear name", category="maintainability"
)
SHELL: Final = finding(
    '    subprocess.run(f"rm {name}", shell=True)',
    title="Shell injection",
    category="security",
    replacement='    subprocess.run(["rm", name])',
)
OFF_BY_ONE: Final = finding(
    "    for i in range(len(items) + 1):",
    title="Index out of range",
    replacement="    for i in range(len(items)):",
)
ANSWERS: Final = {
    "read_config": [LEAK, NAMING],
    "remove": [SHELL],
    "total": [OFF_BY_ONE],
}
# What the exported answers hold: the dismissed finding is gone, the corrected fix
# carries the team's text.
KEPT_TITLES: Final = {
    "read_config": ["File never closed"],
    "remove": ["Shell injection"],
    "total": ["Index out of range"],
    "add": [],
}


def _review_project(folder: Path) -> None:
    folder.mkdir(parents=True)
    for name, code in PROJECT.items():
        (folder / name).write_text(code)
    with OllamaDouble(models=[MODEL]) as double:
        for function, findings in ANSWERS.items():
            double.add_rule(f"function: {function}\n", content={"findings": findings})
        checked = run_siyada("check", str(folder), "--endpoint", double.url, "--model", MODEL)
    assert checked.returncode == 1, checked.stderr


def _give_feedback(store_folder: Path) -> None:
    with FeedbackStore(store_folder) as store:
        records = {record.function: record for record in store.reviews()}
        assert sorted(records) == sorted(KEPT_TITLES), sorted(records)
        config = records["read_config"]
        store.dismiss(feedback_event(config, "dismissed", NAMING))
        store.record(feedback_event(config, "fix_applied", LEAK))
        store.record(feedback_event(config, "fix_edited", LEAK, final_text=LEAK_AS_CORRECTED))
        store.record(feedback_event(records["remove"], "fix_applied", SHELL))


def export_from_scripted_session(work: Path, store_folder: Path) -> Path:
    """Review, give feedback, export; the dataset folder (train and validation files,
    and its data card)."""
    _review_project(work / "scripted-session")
    _give_feedback(store_folder)
    out = work / "dataset"
    exported = run_siyada(
        *("dataset", "export", "--out", str(out)),
        # Every clean function and no validation share: with four chats, each one is
        # needed for training (the trainer accepts an empty validation file).
        *("--clean-sample", "1", "--validation-fraction", "0"),
    )
    assert exported.returncode == 0, exported.stderr
    return out


def assistant_answers(dataset: Path) -> dict[str, dict[str, Any]]:
    """Each exported chat's answer, by the function its user turn names."""
    answers = {}
    for line in (dataset / "train.jsonl").read_text(encoding="utf-8").splitlines():
        system, user, assistant = json.loads(line)["messages"]
        assert system["role"] == "system" and user["role"] == "user"
        function = user["content"].split("\n", 1)[0].rsplit(": ", 1)[-1]
        answers[function] = json.loads(assistant["content"])
    return answers
