"""`siyada eval` as a user runs it: a real process against the Ollama double, with
scripted models whose figures are known exactly.

The fixture corpus (tests/fixtures/eval/corpus) has 9 functions: 5 with one known
problem each (3 security, 1 performance, 1 bug; one with `fix_contains`) and 4 clean,
in Python, Go and JavaScript.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from siyada.review.prompt import estimate_tokens
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble, prompt_text

CORPUS = Path(__file__).parents[1] / "fixtures" / "eval" / "corpus"
LABELS = json.loads((CORPUS / "labels.json").read_text())["cases"]

FIX = {
    "OrderStore.find": (
        '        query = "SELECT * FROM orders WHERE customer = ?"\n'
        "        cursor.execute(query, (customer,))"
    )
}
# A line of each function that is not its problem: where a misplaced model points.
ELSEWHERE = {
    "OrderStore.find": "        return cursor.fetchall()",
    "digest": '    salted = "siyada:" + password',
    "unique": "    return seen",
    "Average": "\treturn total / len(xs)",
    "greet": '  const el = document.getElementById("greeting");',
}
# A line of each clean function, for a noisy model to complain about.
NOISE = {
    "OrderStore.add": "        self.conn.commit()",
    "checksum": "    hasher.update(data)",
    "Sum": "\t\ttotal += x",
    "label": '  el.textContent = "Hello " + name;',
}
PROBLEM_CASES = [case for case in LABELS if case["problems"]]


def problem_lines(case: dict[str, Any]) -> str:
    """The text of the case's problem lines, as a model that saw them would quote it."""
    lines = (CORPUS / case["file"]).read_text().split("\n")
    first, last = case["problems"][0]["lines"]
    return "\n".join(lines[first - 1 : last])


def answer_for(double: OllamaDouble, function: str, *findings: dict[str, Any]) -> None:
    # The user message starts "Review this <language> function: <name>" and a newline.
    double.add_rule(f"function: {function}\n", content={"findings": list(findings)})


def script_perfect(double: OllamaDouble) -> None:
    for case in PROBLEM_CASES:
        category = case["problems"][0]["category"]
        fix = FIX.get(case["function"])
        answer_for(
            double,
            case["function"],
            finding(problem_lines(case), category=category, replacement=fix),
        )


def run_eval(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "siyada", "eval", "--corpus", str(CORPUS), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def evaluate(double: OllamaDouble, *args: str) -> dict[str, Any]:
    done = run_eval("--model", MODEL, "--endpoint", double.url, "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    assert report["corpus"] == {"functions": 9, "problems": 5, "clean": 4}
    (entry,) = report["models"]
    assert entry["model"] == MODEL
    return entry


def figures(entry: dict[str, Any]) -> dict[str, Any]:
    """The figures that do not depend on timing."""
    kept = (
        "recall",
        "false_positive_rate",
        "found",
        "problems",
        "flagged",
        "clean",
        "findings",
        "anchored_share",
        "fixes_offered",
        "fixes_correct_share",
        "not_reviewed",
        "cached",
    )
    return {name: entry[name] for name in kept}


def rates(recall: float | None, found: int, problems: int, flagged: int, clean: int) -> Any:
    return {
        "recall": recall,
        "false_positive_rate": round(flagged / clean, 4) if clean else None,
        "found": found,
        "problems": problems,
        "flagged": flagged,
        "clean": clean,
    }


def test_perfect_model_finds_every_problem_and_flags_nothing() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        script_perfect(double)
        entry = evaluate(double)
        requests = list(double.chat_requests)

    assert figures(entry) == {
        "recall": 1.0,
        "false_positive_rate": 0.0,
        "found": 5,
        "problems": 5,
        "flagged": 0,
        "clean": 4,
        "findings": 5,
        "anchored_share": 1.0,
        "fixes_offered": 1,
        "fixes_correct_share": 1.0,
        "not_reviewed": 0,
        "cached": 0,
    }
    assert entry["by_category"] == {
        "bug": rates(1.0, 1, 1, 0, 4),
        "security": rates(1.0, 3, 3, 0, 4),
        "performance": rates(1.0, 1, 1, 0, 4),
        "maintainability": rates(None, 0, 0, 0, 4),
    }
    assert entry["by_language"] == {
        "go": rates(1.0, 1, 1, 0, 1),
        "javascript": rates(1.0, 1, 1, 0, 1),
        "python": rates(1.0, 3, 3, 0, 2),
    }
    # One request per function, measured as the server counted its prompt.
    assert len(requests) == 9
    prompt_tokens = [estimate_tokens(prompt_text(r["messages"])) for r in requests]
    assert entry["prompt_tokens_per_function"] == round(sum(prompt_tokens) / 9, 1)
    latency = entry["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"]


def test_empty_model_finds_nothing_and_has_nothing_to_anchor() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        entry = evaluate(double)

    assert figures(entry) == {
        "recall": 0.0,
        "false_positive_rate": 0.0,
        "found": 0,
        "problems": 5,
        "flagged": 0,
        "clean": 4,
        "findings": 0,
        "anchored_share": None,
        "fixes_offered": 0,
        "fixes_correct_share": 0.0,
        "not_reviewed": 0,
        "cached": 0,
    }
    assert entry["by_category"]["security"] == rates(0.0, 0, 3, 0, 4)


def test_noisy_model_flags_every_clean_function_and_hidden_findings_do_not_count() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        script_perfect(double)
        for function, line in NOISE.items():
            answer_for(
                double,
                function,
                finding(line, title="Looks wrong", category="bug"),
                # Below the default minConfidence (0.5): returned, anchored, never shown.
                finding(line, title="Maybe unsafe", category="security", confidence=0.3),
            )
        entry = evaluate(double)

    assert figures(entry) == {
        "recall": 1.0,
        "false_positive_rate": 1.0,
        "found": 5,
        "problems": 5,
        "flagged": 4,
        "clean": 4,
        "findings": 9,
        "anchored_share": 1.0,
        "fixes_offered": 1,
        "fixes_correct_share": 1.0,
        "not_reviewed": 0,
        "cached": 0,
    }
    assert entry["by_category"]["bug"] == rates(1.0, 1, 1, 4, 4)
    assert entry["by_category"]["security"] == rates(1.0, 3, 3, 0, 4)
    assert entry["by_language"]["python"] == rates(1.0, 3, 3, 2, 2)


def test_misplaced_model_right_category_on_wrong_lines_finds_nothing() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        for case in PROBLEM_CASES:
            category = case["problems"][0]["category"]
            answer_for(
                double, case["function"], finding(ELSEWHERE[case["function"]], category=category)
            )
        entry = evaluate(double)

    assert figures(entry) == {
        "recall": 0.0,
        "false_positive_rate": 0.0,
        "found": 0,
        "problems": 5,
        "flagged": 0,
        "clean": 4,
        "findings": 5,
        "anchored_share": 1.0,
        "fixes_offered": 0,
        "fixes_correct_share": 0.0,
        "not_reviewed": 0,
        "cached": 0,
    }


def test_unanchorable_evidence_is_returned_but_never_shown() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        for case in PROBLEM_CASES:
            category = case["problems"][0]["category"]
            quote = "os.system(user_command)  # nowhere in this function"
            answer_for(double, case["function"], finding(quote, category=category))
        entry = evaluate(double)

    assert figures(entry) == {
        "recall": 0.0,
        "false_positive_rate": 0.0,
        "found": 0,
        "problems": 5,
        "flagged": 0,
        "clean": 4,
        "findings": 0,
        "anchored_share": 0.0,
        "fixes_offered": 0,
        "fixes_correct_share": 0.0,
        "not_reviewed": 0,
        "cached": 0,
    }


def test_cached_answers_give_the_same_figures_and_no_cache_asks_again() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        script_perfect(double)
        first = evaluate(double)
        again = evaluate(double)
        asked_after_cached_run = len(double.chat_requests)
        fresh = evaluate(double, "--no-cache")
        asked_in_total = len(double.chat_requests)

    assert asked_after_cached_run == 9
    assert figures(again) == figures(first) | {"anchored_share": None, "cached": 9}
    assert again["latency_ms"] == {"p50": None, "p95": None}
    assert asked_in_total == 18
    assert figures(fresh) == figures(first)


def test_prompt_file_replaces_the_system_text_and_keys_the_cache(tmp_path: Path) -> None:
    prompt = tmp_path / "terse.txt"
    prompt.write_text("Review the function. Answer JSON only.")
    other = tmp_path / "other.txt"
    other.write_text("Another prompt. Answer JSON only.")
    with OllamaDouble(models=[MODEL]) as double:
        script_perfect(double)
        evaluate(double)
        evaluate(double, "--prompt", str(prompt))
        systems = [r["messages"][0]["content"] for r in double.chat_requests]
        evaluate(double, "--prompt", str(prompt))
        asked_after_same_prompt = len(double.chat_requests)
        evaluate(double, "--prompt", str(other))
        last_systems = [r["messages"][0]["content"] for r in double.chat_requests[-9:]]

    # The default prompt, then the variant: each asked about every function once.
    assert len(systems) == 18
    assert "expert code reviewer" in systems[0]
    assert systems[9:] == [prompt.read_text()] * 9
    assert asked_after_same_prompt == 18
    assert last_systems == [other.read_text()] * 9


def test_models_side_by_side_in_text_and_markdown(tmp_path: Path) -> None:
    second = "llama3.2:3b"
    out = tmp_path / "report.md"
    with OllamaDouble(models=[MODEL, second]) as double:
        script_perfect(double)
        text = run_eval("--model", MODEL, "--model", second, "--endpoint", double.url)
        markdown = run_eval(
            *("--model", MODEL, "--model", second, "--endpoint", double.url),
            *("--format", "markdown", "--out", str(out)),
        )

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "Corpus: 9 functions, 5 known problems, 4 clean."
    header = lines[2].split()
    assert header == [MODEL, second]
    recall = next(line for line in lines if line.startswith("recall "))
    assert recall.split()[1:] == ["1.00", "(5/5)", "1.00", "(5/5)"]

    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout == ""
    table = out.read_text().splitlines()
    assert table[2] == f"|  | {MODEL} | {second} |"
    assert table[3] == "|---|---:|---:|"
    assert "| false-positive rate | 0.00 (0/4) | 0.00 (0/4) |" in table


def test_unusable_answers_count_as_not_reviewed() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("function: unique\n", content="I think this code is fine!")
        entry = evaluate(double)

    assert entry["not_reviewed"] == 1 and entry["found"] == 0


def test_bad_labels_and_unreachable_server_exit_2_naming_the_cause(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.py").write_text("def f(x):\n    return x\n")
    (corpus / "labels.json").write_text(
        json.dumps({"cases": [{"file": "a.py", "function": "g", "problems": []}]})
    )
    bad = subprocess.run(
        [sys.executable, "-m", "siyada", "eval", "--corpus", str(corpus), "--model", MODEL],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    with OllamaDouble(models=[MODEL]) as double:
        url = double.url
    unreachable = run_eval("--model", MODEL, "--endpoint", url)

    assert bad.returncode == 2
    assert "case 1 (a.py g): no function 'g' in a.py (its functions: f)" in bad.stderr
    assert unreachable.returncode == 2 and bad.stdout == unreachable.stdout == ""
    assert url in unreachable.stderr


def test_an_unwritable_out_file_still_gives_the_report_on_stdout(tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "report.json"
    with OllamaDouble(models=[MODEL]) as double:
        done = run_eval(
            *("--model", MODEL, "--endpoint", double.url, "--format", "json", "--out", str(out))
        )

    assert done.returncode == 2
    assert f"--out {out} cannot be written" in done.stderr
    assert "the report went to stdout" in done.stderr
    assert json.loads(done.stdout)["corpus"] == {"functions": 9, "problems": 5, "clean": 4}
    assert not out.exists()
