"""`--explanation-language` end to end: `siyada check` and `siyada eval` as a user runs
them, against the double answering in Arabic when the prompt asks for Arabic; without
the option, the language comes from LC_ALL, LC_MESSAGES or LANG."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from siyada.review.prompt import SYSTEM_PROMPT, system_prompt
from tests.e2e.conftest import MODEL, finding, run_siyada
from tests.e2e.test_eval_cli import CORPUS, PROBLEM_CASES, figures, problem_lines, run_eval
from tests.model_server import OllamaDouble

SOURCE = """import subprocess


def run_command(cmd):
    # يشغّل الأمر 👋
    return subprocess.call(cmd, shell=True)
"""
EVIDENCE = "    return subprocess.call(cmd, shell=True)"
ARABIC_TITLE = "تنفيذ أمر عبر الصدفة"
ARABIC_EXPLANATION = "يمرر الأمر إلى الصدفة فيمكن حقن أوامر أخرى."


def _script(double: OllamaDouble) -> None:
    double.add_rule(
        "function: run_command\n",
        content={"findings": [finding(EVIDENCE, title="Shell command", category="security")]},
        localized={"ar": [{"title": ARABIC_TITLE, "explanation": ARABIC_EXPLANATION}]},
    )


def _check(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """`siyada check --format json` of one file; the run and the system texts asked."""
    (tmp_path / "run.py").write_text(SOURCE, encoding="utf-8")
    with OllamaDouble(models=[MODEL]) as double:
        _script(double)
        done = run_siyada(
            *("check", str(tmp_path / "run.py"), "--endpoint", double.url, "--format", "json"),
            *args,
            env={**os.environ, **(env or {})},
        )
        asked = [r["messages"][0]["content"] for r in double.chat_requests]
    return done, asked


def test_check_explains_in_the_language_asked_and_keeps_the_rest(tmp_path: Path) -> None:
    done, asked = _check(tmp_path, "--explanation-language", "ar")

    assert done.returncode == 1, done.stderr
    assert asked == [system_prompt("ar")]
    (item,) = json.loads(done.stdout)
    assert (item["title"], item["explanation"]) == (ARABIC_TITLE, ARABIC_EXPLANATION)
    assert (item["category"], item["severity"], item["line"], item["end_line"]) == (
        "security",
        "warning",
        6,
        6,
    )


@pytest.mark.parametrize(
    ("env", "language"),
    [
        ({"LANG": "ar_SA.UTF-8"}, "ar"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "ar_SA.UTF-8", "LC_ALL": "pt_BR.UTF-8"}, "pt-BR"),
        ({"LANG": "ar_SA.UTF-8", "LC_MESSAGES": "C"}, "en"),
    ],
)
def test_check_takes_the_language_from_the_environment(
    tmp_path: Path, env: dict[str, str], language: str
) -> None:
    done, asked = _check(tmp_path, env=env)

    assert done.returncode == 1, done.stderr
    assert asked == [system_prompt(language)]
    (item,) = json.loads(done.stdout)
    assert (item["title"] == ARABIC_TITLE) == (language == "ar")


def test_the_option_wins_over_the_environment(tmp_path: Path) -> None:
    done, asked = _check(tmp_path, "--explanation-language", "en", env={"LANG": "ar_SA.UTF-8"})

    assert done.returncode == 1, done.stderr
    assert asked == [SYSTEM_PROMPT]
    assert json.loads(done.stdout)[0]["title"] == "Shell command"


def test_a_malformed_language_is_a_usage_error(tmp_path: Path) -> None:
    done, asked = _check(tmp_path, "--explanation-language", "Arabic please")

    assert done.returncode == 2
    assert asked == []
    assert "--explanation-language" in done.stderr and "BCP 47" in done.stderr


def _script_perfect_in_arabic(double: OllamaDouble) -> None:
    """The perfect model of test_eval_cli, answering in Arabic when asked."""
    for case in PROBLEM_CASES:
        category = case["problems"][0]["category"]
        double.add_rule(
            f"function: {case['function']}\n",
            content={"findings": [finding(problem_lines(case), category=category)]},
            localized={"ar": [{"title": "مشكلة", "explanation": "شرح المشكلة."}]},
        )


def _eval_json(double: OllamaDouble, *args: str) -> dict[str, Any]:
    done = run_eval("--model", MODEL, "--endpoint", double.url, "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def test_eval_compares_two_languages_on_the_same_corpus() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        _script_perfect_in_arabic(double)
        report = _eval_json(double, "--explanation-language", "en", "--explanation-language", "ar")
        asked = [r["messages"][0]["content"] for r in double.chat_requests]
        text = run_eval(
            "--model", MODEL, "--endpoint", double.url,
            "--explanation-language", "en", "--explanation-language", "ar",
        )  # fmt: skip
        asked_again = len(double.chat_requests)

    english, arabic = report["models"]
    assert (english["explanation_language"], arabic["explanation_language"]) == ("en", "ar")
    # Each language asked about every function once, with its own system text.
    assert asked == [SYSTEM_PROMPT] * 9 + [system_prompt("ar")] * 9
    # The same findings in other words: the same figures.
    assert figures(arabic) == figures(english)
    assert english["recall"] == 1.0 and english["false_positive_rate"] == 0.0
    assert report["language_comparisons"] == [
        {
            "model": MODEL,
            "baseline": "en",
            "explanation_language": "ar",
            "differs": False,
            "found_only_in_baseline": [],
            "found_only_in_language": [],
            "flagged_only_in_baseline": [],
            "flagged_only_in_language": [],
        }
    ]
    # The text report: a column per language, then the languages side by side. The
    # second run came from the cache, each language from its own entries.
    assert text.returncode == 0, text.stderr
    assert asked_again == 18
    assert f"{MODEL} (en)" in text.stdout and f"{MODEL} (ar)" in text.stdout
    (row,) = [
        line
        for line in text.stdout.splitlines()
        if line.startswith(f"{MODEL}  ") and " ar " in line
    ]
    assert "1.00 (5/5)" in row and "0.00 (0/4)" in row and row.endswith("same findings")
    assert "found differently" not in text.stderr


def test_eval_without_the_option_uses_the_environments_language() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        _script_perfect_in_arabic(double)
        command = [sys.executable, "-m", "siyada", "eval", "--corpus", str(CORPUS)]
        done = subprocess.run(
            [*command, "--model", MODEL, "--endpoint", double.url, "--format", "json"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**os.environ, "LANG": "ar_SA.UTF-8"},
        )
        asked = {r["messages"][0]["content"] for r in double.chat_requests}

    assert done.returncode == 0, done.stderr
    (entry,) = json.loads(done.stdout)["models"]
    assert entry["explanation_language"] == "ar"
    assert asked == {system_prompt("ar")}
    assert json.loads(done.stdout)["language_comparisons"] == []
