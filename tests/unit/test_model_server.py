"""The fake model server's policies and HTTP serving, whatever the protocol: the timing
policy (published speeds, slots, prompt cache), the default answers, the command line."""

import itertools
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from siyada.review.prompt import estimate_tokens, system_prompt
from tests.model_server import (
    MARKER,
    ModelSpeed,
    OllamaDouble,
    OpenAIDouble,
    echo_question,
    marker_findings,
    prompt_text,
    token_pieces,
)
from tests.model_server.answers import asked_language

MODEL = "qwen2.5-coder:7b"
ROOT = Path(__file__).parents[2]
# Slow enough to measure on a busy machine, fast enough to keep the tests short.
SPEED = ModelSpeed(prompt_tps=2000.0, gen_tps=100.0, label="test")


def chat(text: str = "def f(): pass", **fields: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **fields}


def lines_of(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.split("\n") if line]


@pytest.fixture
def timed() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL], timing=SPEED, slots=1) as running:
        yield running


def post(url: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{url}/api/chat", json=body, trust_env=False, timeout=10)


def answered(double: OllamaDouble, count: int) -> None:
    """The client may read the last byte before the fake marks the chat complete."""
    double.wait_for(lambda: double.answered()[0] == count)


def test_a_chat_takes_the_model_time_of_its_tokens(timed: OllamaDouble) -> None:
    response = post(timed.url, chat())
    answered(timed, 1)
    [record] = timed.completed()
    answer = json.dumps({"findings": []})
    prompt = prompt_text(chat()["messages"])
    assert record.prompt_tokens == record.evaluated_tokens == estimate_tokens(prompt)
    assert record.answer_tokens == len(token_pieces(answer)) == estimate_tokens(answer)
    minimum = SPEED.answer_seconds(record.evaluated_tokens, record.answer_tokens)
    assert record.service_seconds >= minimum * 0.99
    # One line per token, then the final line: the streamed format of Ollama.
    lines = lines_of(response)
    assert len(lines) == record.answer_tokens + 1
    assert lines[-1]["eval_count"] == record.answer_tokens
    assert "".join(line["message"]["content"] for line in lines) == answer
    assert record.first_byte - record.started >= SPEED.prompt_seconds(record.evaluated_tokens)


def test_the_prompt_cache_of_a_slot_charges_only_the_new_suffix(timed: OllamaDouble) -> None:
    post(timed.url, chat("same code"))
    post(timed.url, chat("same code"))
    post(timed.url, chat("same code, then more"))
    answered(timed, 3)
    first, again, longer = timed.completed()
    assert first.evaluated_tokens == first.prompt_tokens
    assert again.evaluated_tokens == 1  # llama.cpp re-evaluates at least one token
    assert 1 < longer.evaluated_tokens < longer.prompt_tokens


def test_one_slot_serves_chats_one_after_another_in_arrival_order(timed: OllamaDouble) -> None:
    timed.add_rule("code 0", content="x" * 35, chunk_delay=0.2)  # the slot for ~2 s
    with ThreadPoolExecutor(max_workers=3) as pool:
        answers = []
        for index in range(3):
            answers.append(pool.submit(post, timed.url, chat(f"code {index}")))
            timed.wait_for(lambda n=index: len(timed.chats()) == n + 1)
            timed.wait_for(lambda: timed.chats()[0].started > 0)
        assert all(a.result().status_code == 200 for a in answers)
    answered(timed, 3)
    records = timed.completed()
    assert [r.slot for r in records] == [0, 0, 0]
    for earlier, later in itertools.pairwise(records):
        assert later.started >= earlier.last_byte
    # The two waiting chats arrived while the first one held the slot.
    assert all(r.arrival < records[0].last_byte for r in records[1:])


def test_a_client_leaving_while_queued_frees_its_place(timed: OllamaDouble) -> None:
    timed.add_rule("first", content="x" * 35, chunk_delay=0.1, times=1)  # the slot, ~0.5 s
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(post, timed.url, chat("first"))
        timed.wait_for(lambda: any(r.started for r in timed.chats()))
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{timed.url}/api/chat", json=chat("gone"), trust_env=False, timeout=0.2)
        timed.wait_for(lambda: timed.disconnects == 1)
        assert first.result(timeout=10).status_code == 200
    assert post(timed.url, chat("after")).status_code == 200
    answered(timed, 2)
    assert [(r.completed, r.slot) for r in timed.chats()] == [(True, 0), (False, -1), (True, 0)]


def test_instant_timing_has_a_slot_for_every_chat() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule("held", hold=True)
        with ThreadPoolExecutor(max_workers=1) as pool:
            held = pool.submit(post, double.url, chat("held"))
            double.wait_for(lambda: double.held == 1)
            assert post(double.url, chat("free")).status_code == 200
            double.release()
            assert held.result(timeout=5).status_code == 200


def test_the_benchmark_answer_reports_every_marked_line() -> None:
    code = f"def f(payload):\n    return pickle.loads(payload)  # {MARKER}\n"
    with OllamaDouble(models=[MODEL], default_answer=marker_findings) as double:
        double.add_rule("scripted", content="rules come first")
        answer = post(double.url, chat(code, stream=False)).json()["message"]["content"]
        [found] = json.loads(answer)["findings"]
        assert found["evidence"] == f"    return pickle.loads(payload)  # {MARKER}"
        answered(double, 1)
        assert double.chats()[0].findings == 1
        scripted = post(double.url, chat("scripted", stream=False)).json()
        assert scripted["message"]["content"] == "rules come first"
        unmarked = post(double.url, chat("def g(): pass", stream=False)).json()
        assert json.loads(unmarked["message"]["content"]) == {"findings": []}


def test_on_change_is_called_from_the_server_thread() -> None:
    calls: list[int] = []
    with OllamaDouble(models=[MODEL]) as double:
        double.on_change = lambda: calls.append(len(double.requests))
        post(double.url, chat())
        double.wait_for(lambda: double.answered()[0] == 1)
    assert calls and calls[-1] == 1


def test_a_chunked_request_body_and_connection_close() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        body = json.dumps(chat(stream=False)).encode()
        with httpx.Client(trust_env=False) as client:
            answer = client.post(
                f"{double.url}/api/chat",
                content=iter([body[:10], body[10:]]),  # an iterator is sent chunked
                headers={"Connection": "close"},
            )
        assert answer.status_code == 200
        assert double.chat_requests == [chat(stream=False)]


def test_a_request_that_is_not_http_gets_400() -> None:
    with (
        OllamaDouble(models=[MODEL]) as double,
        socket.create_connection(("127.0.0.1", double.port)) as raw,
    ):
        raw.sendall(b"HELLO\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 400 ")


def test_a_busy_port_is_an_error_at_start() -> None:
    with OllamaDouble(models=[MODEL]) as first, pytest.raises(OSError):
        OllamaDouble(models=[MODEL], port=first.port).start()


def test_command_line_openai_with_an_api_key(tmp_path: Path) -> None:
    script = tmp_path / "rules.json"
    script.write_text(json.dumps({"models": ["tiny"], "rules": [{"match": "", "content": "hi"}]}))
    command = [sys.executable, "-m", "tests.model_server", "--protocol", "openai"]
    command += ["--api-key", "K", "--script", str(script), "--speed-scale", "1000"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline().strip()
            url = first.removeprefix("listening on ")
            assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
            body = {"model": "tiny", "messages": [{"role": "user", "content": "x"}]}
            refused = httpx.post(f"{url}/chat/completions", json=body, trust_env=False)
            assert refused.status_code == 401
            headers = {"Authorization": "Bearer K"}
            answer = httpx.post(
                f"{url}/chat/completions", json=body, headers=headers, trust_env=False
            )
            assert answer.json()["choices"][0]["message"]["content"] == "hi"
        finally:
            process.terminate()
            process.wait(timeout=5)


def test_command_line_refuses_a_bad_speed() -> None:
    command = [sys.executable, "-m", "tests.model_server", "--speed-scale", "0"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "--speed-scale must be above 0" in done.stderr


def _asked_in(language: str, text: str) -> dict[str, Any]:
    system = {"role": "system", "content": system_prompt(language)}
    user = {"role": "user", "content": text}
    return {"model": MODEL, "messages": [system, user], "stream": False}


def test_a_localized_rule_answers_in_the_language_the_prompt_asks_for() -> None:
    found = {
        "category": "security",
        "severity": "error",
        "title": "Shell command",
        "explanation": "Runs through the shell.",
        "evidence": "call(cmd, shell=True)",
        "replacement": "call(cmd)",
        "fix_title": "drop the shell",
        "confidence": 0.9,
    }
    second = {**found, "title": "Second", "evidence": "other()"}
    with OllamaDouble(models=[MODEL]) as double:
        double.add_rule(
            "def f",
            content={"findings": [found, second]},
            localized={"ar": [{"title": "أمر عبر الصدفة", "fix_title": "أزل الصدفة"}]},
        )
        answers = {
            language: json.loads(
                post(double.url, _asked_in(language, "def f(): pass")).json()["message"]["content"]
            )["findings"]
            for language in ("ar", "en", "fr")
        }
        plain = post(double.url, chat("def f(): pass", stream=False)).json()["message"]["content"]

    arabic, english = answers["ar"], answers["en"]
    assert english == [found, second] and answers["fr"] == [found, second]
    assert json.loads(plain)["findings"] == [found, second]
    # Only the reader's words change, and only where words were given.
    assert arabic[0] == {**found, "title": "أمر عبر الصدفة", "fix_title": "أزل الصدفة"}
    assert arabic[1] == second


def test_the_asked_language_is_read_from_the_system_text() -> None:
    def asked(language: str, *, with_context: bool = False) -> str | None:
        system = system_prompt(language, with_context=with_context)
        return asked_language([{"role": "system", "content": system}])

    assert [asked(tag) for tag in ("ar", "en", "pt-BR", "tlh")] == ["ar", "en", "pt-BR", "tlh"]
    assert asked("ar", with_context=True) == "ar"
    assert asked_language([{"role": "user", "content": "fix_title in Arabic (ar)."}]) is None


def _free_and_json_answers(double: OllamaDouble | OpenAIDouble, question: str) -> tuple[str, str]:
    """What the double answers a free-text chat and a JSON chat with the same question."""
    if isinstance(double, OpenAIDouble):
        url = f"{double.url}/chat/completions"
        body: dict[str, Any] = {"model": MODEL, "messages": chat(question)["messages"]}
        free = httpx.post(url, json=body, trust_env=False, timeout=10).json()
        schema = {"type": "json_schema", "json_schema": {"name": "f", "schema": {}}}
        shaped = httpx.post(
            url, json=body | {"response_format": schema}, trust_env=False, timeout=10
        ).json()
        return free["choices"][0]["message"]["content"], shaped["choices"][0]["message"]["content"]
    free = post(double.url, chat(question, stream=False)).json()
    shaped = post(double.url, chat(question, stream=False, format={"type": "object"})).json()
    return free["message"]["content"], shaped["message"]["content"]


@pytest.mark.parametrize("protocol", ["ollama", "openai"])
def test_a_free_text_chat_gets_the_free_answer_a_json_chat_the_default(protocol: str) -> None:
    double = (
        OllamaDouble(models=[MODEL], free_answer=echo_question)
        if protocol == "ollama"
        else OpenAIDouble([MODEL], free_answer=echo_question)
    )
    with double:
        free, shaped = _free_and_json_answers(double, "The code.\n\nQuestion: Why slow?")

    assert free == "You asked: Why slow?\n\nThis is the double's answer, streamed in pieces."
    assert json.loads(shaped) == {"findings": []}
    assert [record.free for record in double.chats()] == [True, False]


def test_without_a_free_answer_every_chat_gets_the_default_answer() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        free, shaped = _free_and_json_answers(double, "Why?")

    assert json.loads(free) == json.loads(shaped) == {"findings": []}


@pytest.mark.parametrize("protocol", ["ollama", "openai"])
def test_a_rule_can_be_kept_to_free_text_chats_or_to_json_chats(protocol: str) -> None:
    double = OllamaDouble(models=[MODEL]) if protocol == "ollama" else OpenAIDouble([MODEL])
    with double:
        double.add_rule("Why?", content="Prose.", free=True)
        double.add_rule("Why?", content={"findings": []}, free=False)
        free, shaped = _free_and_json_answers(double, "Why?")

    assert free == "Prose."
    assert json.loads(shaped) == {"findings": []}
