"""The doctor's advice on bringing a missing model to a machine without internet:
GGUF files at hand, Ollama's models folder per system, and which way applies."""

from __future__ import annotations

from pathlib import Path

import pytest

from siyada.doctor.bring_model import (
    OLLAMA_COPY,
    OLLAMA_CREATE,
    OPENAI_GGUF,
    bring_model,
    model_to_bring,
    names_model,
)
from siyada.doctor.gguf import (
    MAX_DEPTH,
    GgufFile,
    GgufProblem,
    given_gguf,
    is_gguf,
    workspace_ggufs,
)
from siyada.doctor.gpus import GpuSurvey
from siyada.doctor.machine import Machine
from siyada.doctor.model_server import (
    ContextLength,
    InstalledModel,
    ServerFacts,
    unreachable_facts,
)
from siyada.doctor.ollama_folder import LINUX_SERVICE_FOLDER, ModelsFolder, ollama_models_folder
from siyada.doctor.recommend import recommend
from siyada.doctor.render import render_markdown, render_text
from siyada.doctor.report import DoctorReport
from siyada.doctor.speed import Unmeasured

MODEL = "qwen2.5-coder:7b"
HOME_FOLDER = ModelsFolder("/home/ana/.ollama/models", "the default on Linux")
SERVICE_FOLDER = ModelsFolder(str(LINUX_SERVICE_FOLDER), "Ollama's system service")


def _gguf(path: Path, size: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF" + b"\0" * (size - 4))
    return path


def _server(
    installed: tuple[str, ...] = (),
    provider: str = "ollama",
    endpoint: str = "http://127.0.0.1:11434",
) -> ServerFacts:
    models = tuple(InstalledModel(name, 1, "7B", "Q4_K_M") for name in installed)
    present = any(name in (MODEL, f"{MODEL}:latest") for name in installed)
    problem = None if present else f"model '{MODEL}' not found"
    return ServerFacts(
        endpoint,
        provider,
        MODEL,
        True,
        problem,
        "0.32.15",
        models,
        None,
        present,
        ContextLength(None, None, None),
    )


# GGUF files


def test_a_gguf_file_is_recognised_by_its_magic_not_its_name(tmp_path: Path) -> None:
    real = _gguf(tmp_path / "weights.bin")
    fake = tmp_path / "fake.gguf"
    fake.write_bytes(b"PK\x03\x04 a zip")

    assert is_gguf(real) is True
    assert is_gguf(fake) is False
    assert is_gguf(tmp_path / "missing.gguf") is False


def test_given_gguf_is_resolved_or_refused_with_the_reason(tmp_path: Path) -> None:
    real = _gguf(tmp_path / "model.gguf", size=64)
    (tmp_path / "notes.gguf").write_text("not a model")

    given = given_gguf(real)
    assert given == GgufFile(real.resolve(), 64, "--gguf")
    with pytest.raises(GgufProblem, match="no such file"):
        given_gguf(tmp_path / "absent.gguf")
    with pytest.raises(GgufProblem, match="not a GGUF file"):
        given_gguf(tmp_path / "notes.gguf")
    with pytest.raises(GgufProblem, match="no such file"):
        given_gguf(tmp_path)


def test_the_workspace_is_searched_two_folders_deep_skipping_hidden_and_environments(
    tmp_path: Path,
) -> None:
    top = _gguf(tmp_path / "top.gguf", size=10)
    deep = _gguf(tmp_path / "models" / "qwen" / "big.gguf", size=500)
    _gguf(tmp_path / "a" / "b" / "c" / "too-deep.gguf")
    _gguf(tmp_path / ".cache" / "hidden.gguf")
    _gguf(tmp_path / "node_modules" / "dep.gguf")
    (tmp_path / "models" / "readme.gguf").write_text("text, not a model")

    found = workspace_ggufs(tmp_path)

    assert MAX_DEPTH == 2
    assert [(g.path, g.size, g.source) for g in found] == [
        (deep, 500, "workspace"),  # largest first
        (top, 10, "workspace"),
    ]


def test_a_file_name_names_the_model_ignoring_punctuation() -> None:
    assert names_model(Path("Qwen2.5-Coder-7B-Instruct-Q4_K_M.gguf"), MODEL)
    assert names_model(Path("qwen2_5_coder_7b.gguf"), MODEL)
    assert not names_model(Path("qwen2.5-coder-1.5b.gguf"), MODEL)
    assert not names_model(Path("model.gguf"), MODEL)
    assert names_model(Path("mistral-7b-v0.3.Q4_0.gguf"), "mistral")
    assert names_model(Path("mistral-7b.gguf"), "mistral:latest")
    assert names_model(Path("phi3-mini-4k.gguf"), "library/phi3:mini")


# Ollama's models folder


@pytest.mark.parametrize(
    ("platform", "environ", "service", "expected"),
    [
        (
            "linux",
            {"OLLAMA_MODELS": "/data/models"},
            True,
            ("/data/models", "OLLAMA_MODELS is set"),
        ),
        ("linux", {}, False, ("/home/ana/.ollama/models", "the default on Linux")),
        ("linux", {}, True, (str(LINUX_SERVICE_FOLDER), "Ollama's system service")),
        ("darwin", {}, None, ("/home/ana/.ollama/models", "the default on macOS")),
        (
            "win32",
            {"USERPROFILE": "C:\\Users\\ana"},
            None,
            ("C:\\Users\\ana\\.ollama\\models", "the default on Windows"),
        ),
        ("win32", {}, None, ("%USERPROFILE%\\.ollama\\models", "the default on Windows")),
        ("win32", {"OLLAMA_MODELS": "D:\\m"}, None, ("D:\\m", "OLLAMA_MODELS is set")),
    ],
)
def test_ollama_models_folder_per_system(
    platform: str, environ: dict[str, str], service: bool | None, expected: tuple[str, str]
) -> None:
    folder = ollama_models_folder(platform, environ, Path("/home/ana"), service)

    assert (folder.path, folder.basis) == expected


# Which model, and which way


def test_which_model_is_missing_and_why() -> None:
    unreachable = unreachable_facts("http://127.0.0.1:9", "ollama", MODEL, "refused")

    assert model_to_bring(_server(), MODEL) == (MODEL, f"{MODEL} is not installed on the server")
    assert model_to_bring(unreachable, None) == (
        MODEL,
        f"the server could not be asked whether it has {MODEL}",
    )
    assert model_to_bring(_server((MODEL,)), "qwen2.5-coder:14b") == (
        "qwen2.5-coder:14b",
        "the recommended qwen2.5-coder:14b is not installed",
    )
    assert model_to_bring(_server((MODEL,)), MODEL) is None
    assert model_to_bring(_server((MODEL, "qwen2.5-coder:14b")), "qwen2.5-coder:14b") is None
    # An OpenAI-compatible server is not told to take an Ollama library tag.
    assert model_to_bring(_server((MODEL,), provider="openai"), "phi3:mini") is None


def test_without_a_gguf_file_ollama_copies_the_models_folder() -> None:
    advice = bring_model((MODEL, "missing"), _server(), (), HOME_FOLDER)

    assert advice.applies == OLLAMA_COPY
    assert "no GGUF file was given (--gguf) or found in the workspace" in advice.reason
    assert [route.id for route in advice.routes] == [OLLAMA_COPY, OLLAMA_CREATE]
    copy = [step.plain() for step in advice.applied.steps]
    assert copy[0] == f"on a machine with internet (any system): ollama pull {MODEL}"
    assert "blobs" in copy[1] and "manifests" in copy[1]
    assert "into /home/ana/.ollama/models on this machine (the default on Linux)" in copy[1]
    assert copy[-1] == f"check: ollama list lists {MODEL}"
    # The other way is still shown, with the minimal Modelfile.
    assert advice.modelfile == "FROM ./model.gguf"
    create = [step.plain() for step in advice.routes[1].steps]
    assert "a file named Modelfile with the one line FROM ./model.gguf" in create[1]
    assert f"ollama create {MODEL} -f Modelfile" in create[2]


def test_the_system_service_folder_is_given_to_its_user() -> None:
    advice = bring_model((MODEL, "missing"), _server(), (), SERVICE_FOLDER)

    steps = [step.plain() for step in advice.applied.steps]
    assert f"into {LINUX_SERVICE_FOLDER} on this machine (Ollama's system service)" in steps[1]
    assert steps[2] == (
        f"give the files to the service's user: sudo chown -R ollama:ollama {LINUX_SERVICE_FOLDER}"
    )


def test_a_gguf_named_after_the_model_in_the_workspace_means_ollama_create(tmp_path: Path) -> None:
    named = GgufFile(tmp_path / "qwen2.5-coder-7b-q4_k_m.gguf", 5, "workspace")
    other = GgufFile(tmp_path / "gemma-3-270m.gguf", 50, "workspace")

    advice = bring_model((MODEL, "missing"), _server(), (other, named), HOME_FOLDER)

    assert advice.applies == OLLAMA_CREATE
    assert advice.reason == f"a GGUF file of {MODEL} is in the workspace"
    assert advice.gguf == named
    assert advice.modelfile == "FROM ./qwen2.5-coder-7b-q4_k_m.gguf"
    first = advice.applied.steps[0].plain()
    assert first == f"the GGUF file: {named.path} (found in the workspace)"


def test_a_gguf_not_named_after_the_model_is_mentioned_but_does_not_decide(tmp_path: Path) -> None:
    other = GgufFile(tmp_path / "gemma-3-270m.gguf", 50, "workspace")

    advice = bring_model((MODEL, "missing"), _server(), (other,), HOME_FOLDER)

    assert advice.applies == OLLAMA_COPY and advice.gguf is None
    assert f"{other.path} is there, but its name does not name {MODEL}" in advice.reason
    assert "pass it with --gguf" in advice.reason


def test_a_gguf_given_with_the_flag_decides_whatever_its_name(tmp_path: Path) -> None:
    given = GgufFile(tmp_path / "weights.gguf", 5, "--gguf")
    named = GgufFile(tmp_path / "qwen2.5-coder-7b.gguf", 50, "workspace")

    advice = bring_model((MODEL, "missing"), _server(), (given, named), HOME_FOLDER)

    assert advice.applies == OLLAMA_CREATE and advice.gguf == given
    assert advice.reason == f"a GGUF file of {MODEL} was given with --gguf"
    assert advice.modelfile == "FROM ./weights.gguf"


def test_an_openai_server_loads_the_gguf_where_siyada_looks(tmp_path: Path) -> None:
    gguf = GgufFile(tmp_path / "my models" / "qwen2.5-coder-7b.gguf", 5, "workspace")
    server = _server(provider="openai", endpoint="http://127.0.0.1:8091/v1")

    advice = bring_model((MODEL, "missing"), server, (gguf,), HOME_FOLDER)

    assert advice.applies == OPENAI_GGUF
    assert [route.id for route in advice.routes] == [OPENAI_GGUF]
    assert advice.models_folder is None and advice.modelfile is None
    steps = [step.plain() for step in advice.applied.steps]
    quoted = f'"{gguf.path}"'  # a path with a space stays one argument
    assert steps[1] == (
        f"llama.cpp: llama-server -m {quoted} --alias {MODEL} --host 127.0.0.1 --port 8091"
    )
    assert steps[2].startswith(f"or vLLM: vllm serve {quoted} --served-model-name {MODEL}")
    assert steps[3] == f"Siyada: provider openai, endpoint http://127.0.0.1:8091/v1, model {MODEL}"


def test_an_openai_endpoint_without_a_port_gets_llama_servers_default() -> None:
    server = _server(provider="openai", endpoint="http://localhost/v1")

    steps = [s.plain() for s in bring_model((MODEL, "x"), server, (), HOME_FOLDER).applied.steps]

    assert "download a GGUF file of qwen2.5-coder:7b" in steps[0] and "--gguf FILE" in steps[0]
    assert steps[1].endswith("-m model.gguf --alias qwen2.5-coder:7b --host localhost --port 8080")


# In the report


def _report(bring: bool) -> DoctorReport:
    machine = Machine("win32", 16 * 10**9, 8 * 10**9, 8)
    folder = ollama_models_folder("win32", {"USERPROFILE": "C:\\Users\\ana"})
    advice = bring_model((MODEL, f"{MODEL} is not installed on the server"), _server(), (), folder)
    return DoctorReport(
        machine=machine,
        gpus=GpuSurvey((), ()),
        server=_server(),
        recommendation=recommend(machine, ()),
        speed=Unmeasured(f"{MODEL} is not available on the server"),
        workspace=None,
        workspace_problem="no workspace folder was given",
        estimate=None,
        bring_model=advice if bring else None,
    )


def test_the_report_renders_the_ways_and_marks_the_one_that_applies() -> None:
    text = render_text(_report(bring=True))
    markdown = render_markdown(_report(bring=True))

    section = text.split("Bringing the model without internet\n", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        f"  {MODEL} is not installed on the server; on a machine without internet, bring it "
        "one of these ways",
        "  applies here: ollama pull elsewhere, then copy the models folder (no GGUF file was "
        "given (--gguf) or found in the workspace named after the model)",
        "  ollama pull elsewhere, then copy the models folder (applies):",
        f"    1. on a machine with internet (any system): ollama pull {MODEL}",
        "    2. copy that machine's Ollama models folder (~/.ollama/models, or its "
        "OLLAMA_MODELS), with its blobs and manifests, into C:\\Users\\ana\\.ollama\\models "
        "on this machine (the default on Windows); models already here are kept",
        f"    3. check: ollama list lists {MODEL}",
        "  ollama create from a GGUF file:",
        f"    1. on a machine with internet, download a GGUF file of {MODEL} (one .gguf file) "
        "and copy it here; then run doctor with --gguf FILE to check it",
        "    2. beside it, a file named Modelfile with the one line FROM ./model.gguf",
        f"    3. in that folder: ollama create {MODEL} -f Modelfile (Ollama copies the weights "
        "into its models folder)",
        f"    4. check: ollama list lists {MODEL}",
    ]
    # Markdown keeps a Windows path's backslashes by putting it in code.
    assert "## Bringing the model without internet" in markdown
    assert "  2. copy that machine's Ollama models folder (`~/.ollama/models`" in markdown
    assert (
        "into `C:\\Users\\ana\\.ollama\\models` on this machine (the default on Windows)"
        in markdown
    )
    assert "with the one line `FROM ./model.gguf`" in markdown


def test_the_json_has_the_advice_or_null() -> None:
    assert _report(bring=False).to_json()["bring_model"] is None
    assert "Bringing the model" not in render_text(_report(bring=False))

    advice = _report(bring=True).to_json()["bring_model"]

    assert advice["model"] == MODEL and advice["applies"] == OLLAMA_COPY
    assert advice["why"] == f"{MODEL} is not installed on the server"
    assert [route["id"] for route in advice["routes"]] == [OLLAMA_COPY, OLLAMA_CREATE]
    assert (
        advice["routes"][0]["steps"][0]
        == f"on a machine with internet (any system): ollama pull {MODEL}"
    )
    assert advice["gguf"] is None
    assert advice["models_folder"] == {
        "path": "C:\\Users\\ana\\.ollama\\models",
        "basis": "the default on Windows",
    }
    assert advice["modelfile"] == "FROM ./model.gguf"
    assert set(advice) == {
        "model",
        "why",
        "applies",
        "reason",
        "routes",
        "gguf",
        "models_folder",
        "modelfile",
    }
