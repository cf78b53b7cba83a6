"""`siyada eval --model-endpoint NAME=URL`: each model asked at its own server, as with
llama-server, which serves one model each (the base and the fine-tuned one side by
side). Two OpenAI-compatible doubles answer differently; one table has both rows."""

from __future__ import annotations

import json

from tests.e2e.conftest import run_siyada
from tests.e2e.test_eval_cli import CORPUS, script_perfect
from tests.model_server import OpenAIDouble

BASE, TUNED = "gemma-3-270m", "gemma-3-270m-siyada"


def evaluate(*args: str) -> tuple[int, str, str]:
    done = run_siyada("eval", "--corpus", str(CORPUS), "--provider", "openai", *args)
    return done.returncode, done.stdout, done.stderr


def test_each_model_is_asked_at_its_endpoint_and_both_are_in_one_table() -> None:
    with OpenAIDouble(models=[BASE]) as base, OpenAIDouble(models=[TUNED]) as tuned:
        # The base model finds nothing; the tuned one finds every known problem.
        script_perfect(tuned)
        code, out, err = evaluate(
            *("--model", BASE, "--model", TUNED, "--format", "json"),
            *("--model-endpoint", f"{BASE}={base.url}"),
            *("--model-endpoint", f"{TUNED}={tuned.url}"),
        )
        asked_base = {r["model"] for r in base.chat_requests}
        asked_tuned = {r["model"] for r in tuned.chat_requests}
        text_code, text, _ = evaluate(
            *("--model", BASE, "--model", TUNED),
            *("--model-endpoint", f"{BASE}={base.url}"),
            *("--model-endpoint", f"{TUNED}={tuned.url}"),
        )

    assert code == 0, err
    assert asked_base == {BASE} and asked_tuned == {TUNED}
    assert len(base.chat_requests) == len(tuned.chat_requests) == 9
    report = json.loads(out)
    assert [(m["model"], m["found"], m["recall"]) for m in report["models"]] == [
        (BASE, 0, 0.0),
        (TUNED, 5, 1.0),
    ]
    assert text_code == 0
    lines = text.splitlines()
    assert lines[2].split() == [BASE, TUNED]
    recall = next(line for line in lines if line.startswith("recall "))
    assert recall.split()[1:] == ["0.00", "(0/5)", "1.00", "(5/5)"]


def test_a_model_without_an_endpoint_of_its_own_uses_the_endpoint_option() -> None:
    with OpenAIDouble(models=[BASE]) as base, OpenAIDouble(models=[TUNED]) as tuned:
        script_perfect(tuned)
        code, out, err = evaluate(
            *("--model", BASE, "--model", TUNED, "--format", "json"),
            *("--endpoint", base.url, "--model-endpoint", f"{TUNED}={tuned.url}"),
        )
        asked = (len(base.chat_requests), len(tuned.chat_requests))

    assert code == 0, err
    assert asked == (9, 9)
    assert [m["found"] for m in json.loads(out)["models"]] == [0, 5]


def test_a_bad_model_endpoint_is_refused_naming_what_is_wrong() -> None:
    url = "http://127.0.0.1:9/v1"
    no_equals = evaluate("--model", BASE, "--model-endpoint", url)
    bad_url = evaluate("--model", BASE, "--model-endpoint", f"{BASE}=ftp://x")
    unknown = evaluate("--model", BASE, "--model-endpoint", f"other={url}")
    twice = evaluate(
        *("--model", BASE, "--model-endpoint", f"{BASE}={url}"),
        *("--model-endpoint", f"{BASE}=http://127.0.0.1:10/v1"),
    )

    assert no_equals[0] == 2
    assert "expected NAME=URL, a --model name and its server" in no_equals[2]
    assert bad_url[0] == 2 and "--model-endpoint" in bad_url[2] and "http" in bad_url[2]
    assert unknown[0] == 2
    assert unknown[2] == (
        f"siyada: --model-endpoint other={url}: other is not one of the --model values ({BASE})\n"
    )
    assert twice[0] == 2
    assert f"--model-endpoint names {BASE} twice" in twice[2]
    assert no_equals[1] == bad_url[1] == unknown[1] == twice[1] == ""
