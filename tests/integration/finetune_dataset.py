"""A small dataset in the exported format (`{"messages": [system, user, assistant]}`)
for the fine-tuning loop test: a few Python functions, each with the engine's own
messages (`build_messages`) and the answer the team kept.

The one step the loop's test takes before training; an export from a scripted session
can take its place without changing anything else.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from siyada.review.prompt import build_messages

_LEAK: Final = {
    "category": "bug",
    "severity": "warning",
    "title": "File never closed",
    "explanation": "The file stays open when read() raises; use a with block.",
    "evidence": "    handle = open(path)",
    "replacement": "    with open(path) as handle:",
    "fix_title": "open the file in a with block",
    "confidence": 0.9,
}
_SHELL: Final = {
    "category": "security",
    "severity": "error",
    "title": "Shell injection",
    "explanation": "The name is put into a shell command, so a crafted name runs commands.",
    "evidence": '    subprocess.run(f"rm {name}", shell=True)',
    "replacement": '    subprocess.run(["rm", name])',
    "fix_title": "use an argument list instead of shell=True",
    "confidence": 0.95,
}
_OFF_BY_ONE: Final = {
    "category": "bug",
    "severity": "error",
    "title": "Index out of range",
    "explanation": "range goes one past the last index, so items[i] raises IndexError.",
    "evidence": "    for i in range(len(items) + 1):",
    "replacement": "    for i in range(len(items)):",
    "fix_title": "stop at the last index",
    "confidence": 0.9,
}

# (function name, code, the findings the team kept)
TRAIN: Final[tuple[tuple[str, str, list[dict[str, Any]]], ...]] = (
    (
        "read_config",
        "def read_config(path):\n    handle = open(path)\n    return handle.read()\n",
        [_LEAK],
    ),
    (
        "remove",
        'def remove(name):\n    subprocess.run(f"rm {name}", shell=True)\n',
        [_SHELL],
    ),
    (
        "total",
        "def total(items):\n    result = 0\n    for i in range(len(items) + 1):\n"
        "        result += items[i]\n    return result\n",
        [_OFF_BY_ONE],
    ),
    ("add", "def add(a, b):\n    return a + b\n", []),
)
VALIDATION: Final = (
    (
        "load",
        "def load(path):\n    handle = open(path)\n    return json.loads(handle.read())\n",
        [{**_LEAK, "evidence": "    handle = open(path)"}],
    ),
)


def chat(name: str, code: str, findings: list[dict[str, Any]]) -> dict[str, Any]:
    messages = build_messages(language="python", function_name=name, code=code)
    answer = json.dumps({"findings": findings}, ensure_ascii=False)
    return {"messages": [*messages, {"role": "assistant", "content": answer}]}


def write_dataset(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", TRAIN), ("validation", VALIDATION)):
        lines = [json.dumps(chat(*row), ensure_ascii=False) for row in rows]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
