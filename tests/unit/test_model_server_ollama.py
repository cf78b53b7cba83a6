"""The fake model server speaking Ollama: the protocol details other tests rely on."""

import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.model_server import OllamaDouble

MODEL = "qwen2.5-coder:7b"
ROOT = Path(__file__).parents[2]


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


@pytest.fixture
def http(double: OllamaDouble) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=double.url, trust_env=False, timeout=5) as client:
        yield client


def chat(text: str = "def f(): pass", **fields: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": text}], **fields}


def streamed_lines(response: httpx.Response) -> list[dict[str, Any]]:
    return [json.loads(line) for line in response.text.split("\n") if line]


def test_root_and_version(http: httpx.Client) -> None:
    assert http.get("/").text == "Ollama is running"
    assert http.get("/api/version").json() == {"version": "0.32.15"}


def test_streamed_chat_is_chunked_ndjson_with_a_final_done_line(http: httpx.Client) -> None:
    response = http.post("/api/chat", json=chat())
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["transfer-encoding"] == "chunked"
    lines = streamed_lines(response)
    assert all(line["done"] is False for line in lines[:-1])
    assert lines[-1]["done"] is True
    assert lines[-1]["done_reason"] == "stop"
    assert lines[-1]["eval_count"] == len(lines) - 1
    content = "".join(line["message"]["content"] for line in lines)
    assert json.loads(content) == {"findings": []}


def test_non_streamed_chat(http: httpx.Client, double: OllamaDouble) -> None:
    double.add_rule("", content="whole")
    answer = http.post("/api/chat", json=chat(stream=False)).json()
    assert answer["message"] == {"role": "assistant", "content": "whole"}
    assert answer["done"] is True


def test_rules_apply_in_order_and_expire(http: httpx.Client, double: OllamaDouble) -> None:
    double.add_rule("needle", content="first", times=1)
    double.add_rule("", content="rest")

    def answer(text: str) -> str:
        answered = http.post("/api/chat", json=chat(text, stream=False)).json()
        return str(answered["message"]["content"])

    assert [answer("a needle"), answer("a needle"), answer("hay")] == ["first", "rest", "rest"]


def test_only_the_last_user_message_is_matched(http: httpx.Client, double: OllamaDouble) -> None:
    double.add_rule("needle", content="matched")
    messages = [
        {"role": "system", "content": "needle"},
        {"role": "user", "content": "hay"},
        {"role": "assistant", "content": "needle"},
    ]
    body = {"model": MODEL, "messages": messages, "stream": False}
    assert http.post("/api/chat", json=body).json()["message"]["content"] != "matched"


def test_hold_until_release(http: httpx.Client, double: OllamaDouble) -> None:
    double.add_rule("", content="late", hold=True)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(http.post, "/api/chat", json=chat(stream=False))
        double.wait_for(lambda: double.held == 1)
        assert not pending.done()
        double.release()
        assert pending.result(timeout=5).json()["message"]["content"] == "late"
    assert double.held == 0


def test_missing_model_and_missing_body(http: httpx.Client) -> None:
    missing = http.post("/api/chat", json=chat() | {"model": "nope"})
    assert missing.status_code == 404
    assert missing.json() == {"error": 'model "nope" not found, try pulling it first'}
    assert http.post("/api/show", json={"model": "nope"}).status_code == 404
    assert http.post("/api/chat").status_code == 400
    assert http.post("/api/chat", json={"messages": []}).status_code == 400


def test_untagged_names_mean_latest(http: httpx.Client, double: OllamaDouble) -> None:
    double.set_models(["llama3.2"])
    assert [m["name"] for m in http.get("/api/tags").json()["models"]] == ["llama3.2:latest"]
    assert http.post("/api/show", json={"model": "llama3.2:latest"}).status_code == 200


def test_load_unload_and_ps(http: httpx.Client) -> None:
    loaded = http.post("/api/chat", json={"model": MODEL, "messages": [], "keep_alive": "30m"})
    assert loaded.json()["done_reason"] == "load"
    http.post("/api/chat", json=chat(stream=False, options={"num_ctx": 8192}))
    [running] = http.get("/api/ps").json()["models"]
    assert (running["name"], running["context_length"]) == (MODEL, 8192)
    unloaded = http.post("/api/chat", json={"model": MODEL, "messages": [], "keep_alive": 0})
    assert unloaded.json()["done_reason"] == "unload"
    assert http.get("/api/ps").json()["models"] == []


def test_pull_not_streamed(http: httpx.Client, double: OllamaDouble) -> None:
    assert http.post("/api/pull", json={"model": "llama3.2:3b", "stream": False}).json() == {
        "status": "success"
    }
    unknown = http.post("/api/pull", json={"model": "zz", "stream": False})
    assert unknown.status_code == 500
    assert "llama3.2:3b" in double.models


def test_foreign_host_header_is_refused(http: httpx.Client) -> None:
    assert http.get("/", headers={"Host": "attacker.example"}).status_code == 403


def test_unknown_route(http: httpx.Client) -> None:
    response = http.get("/api/nothing")
    assert (response.status_code, response.text) == (404, "404 page not found")


def test_requests_are_recorded(http: httpx.Client, double: OllamaDouble) -> None:
    http.get("/api/tags")
    http.post("/api/chat", json=chat("code"))
    assert double.requests == [("GET", "/api/tags", None), ("POST", "/api/chat", chat("code"))]
    assert double.chat_requests == [chat("code")]


def test_stop_and_start_on_the_same_port(double: OllamaDouble) -> None:
    port = double.port
    double.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{double.url}/", trust_env=False)
    double.start()
    assert double.port == port
    assert httpx.get(f"{double.url}/", trust_env=False).text == "Ollama is running"


def test_wait_for_times_out(double: OllamaDouble) -> None:
    with pytest.raises(TimeoutError):
        double.wait_for(lambda: double.disconnects > 0, timeout=0.05)


def test_command_line(tmp_path: Path) -> None:
    script = {"models": ["tiny:1b"], "rules": [{"match": "", "content": {"findings": [1]}}]}
    (tmp_path / "rules.json").write_text(json.dumps(script))
    script_file = tmp_path / "rules.json"
    command = [sys.executable, "-m", "tests.model_server", "--port", "0", "--script", script_file]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            first = process.stdout.readline().strip()
            assert first.startswith("listening on http://127.0.0.1:")
            url = first.removeprefix("listening on ")
            body = {"model": "tiny:1b", "messages": [{"role": "user", "content": "x"}]}
            answer = httpx.post(f"{url}/api/chat", json=body | {"stream": False}, trust_env=False)
            assert json.loads(answer.json()["message"]["content"]) == {"findings": [1]}
        finally:
            process.terminate()
            process.wait(timeout=5)
