"""The model server's health over a session: `starting` and `loading`, recovery by
probes on a backoff schedule (driven here by a fake sleep: no test waits for real
seconds), the model loaded again after an idle longer than `keepAlive`."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from lsprotocol import types

from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.health import Backoff, Health, _answers
from siyada.lsp.session import Session
from siyada.models.errors import (
    EndpointUnreachable,
    ModelNotFound,
    ServerBusy,
    ServerFailure,
    StreamFailure,
)
from siyada.review.setting_values import keep_alive_seconds
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble, OpenAIDouble
from tests.unit.lsp_fakes import FakeOutput, make_session


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


URL = "http://127.0.0.1:11434"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class StepSleep:
    """A sleep that records each delay and returns only when the test lets it."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self._asked = asyncio.Event()
        self._go = asyncio.Event()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self._asked.set()
        await self._go.wait()
        self._go.clear()

    async def next_sleep(self) -> None:
        await asyncio.wait_for(self._asked.wait(), 5)
        self._asked.clear()

    def wake(self) -> None:
        self._go.set()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _states(output: FakeOutput) -> list[str]:
    return [s["state"] for s in output.statuses]


def _use_health(session: Session, **kwargs: object) -> Health:
    session.health = Health(session, **kwargs)  # type: ignore[arg-type]
    return session.health


def test_backoff_repeats_its_last_delay() -> None:
    backoff = Backoff((1.0, 2.0, 5.0, 10.0))
    assert [backoff.delay(n) for n in range(6)] == [1.0, 2.0, 5.0, 10.0, 10.0, 10.0]


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (600, 600.0),
        ("300", 300.0),
        ("30m", 1800.0),
        ("1h30m", 5400.0),
        ("1.5s", 1.5),
        ("500ms", 0.5),
        (0, 0.0),
        ("0", 0.0),
        (-1, None),
        ("-1m", None),
    ],
)
def test_keep_alive_in_seconds(value: str | int, seconds: float | None) -> None:
    assert keep_alive_seconds(value) == seconds


async def test_status_is_starting_then_loading_then_ready(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, keepAlive="45m")
    assert _states(output) == ["starting"]
    assert output.statuses[0]["message"] == f"Checking the model server at {double.url}"

    await session.health.check()

    assert _states(output) == ["starting", "ready", "loading", "ready"]
    loading = output.statuses[2]
    assert loading["message"] == f"Loading {MODEL} into memory"
    load = [b for _, p, b in double.requests if p == "/api/chat" and b.get("messages") == []]
    assert [(b["model"], b["keep_alive"]) for b in load] == [(MODEL, "45m")]
    await session.close()


async def test_a_failed_check_ends_starting_with_the_failure(tmp_path: Path) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=f"http://127.0.0.1:{_free_port()}")
    health = _use_health(session, sleep=StepSleep())
    await health.check()
    assert _states(output) == ["starting", "unreachable"]
    assert health.probing
    await session.close()
    assert not health.probing


async def test_keep_alive_zero_is_not_sent_as_a_warm_up(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, keepAlive=0)
    await session.health.check()
    assert "loading" not in _states(output)
    assert not any(p == "/api/chat" for _, p, _ in double.requests)
    await session.close()


async def test_unreachable_is_probed_on_the_schedule_until_it_answers(
    tmp_path: Path,
) -> None:
    port = _free_port()
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=f"http://127.0.0.1:{port}")
    sleep = StepSleep()
    health = _use_health(session, backoff=Backoff((1.0, 2.0, 5.0)), sleep=sleep)
    await health.check()
    for _ in range(4):  # nobody listens: each probe fails, the delays follow the schedule
        await sleep.next_sleep()
        sleep.wake()
    await sleep.next_sleep()
    assert sleep.delays == [1.0, 2.0, 5.0, 5.0, 5.0]
    assert output.statuses[-1]["state"] == "unreachable"

    with OllamaDouble(models=[MODEL], port=port) as double:
        sleep.wake()
        await asyncio.wait_for(health._probing, 5)  # type: ignore[arg-type]
        paths = [(m, p) for m, p, _ in double.requests]
    assert paths[0] == ("GET", "/api/version")
    assert ("POST", "/api/show") in paths
    assert output.statuses[-1]["state"] in ("ready", "reviewing")
    # Told once, however many probes failed.
    assert len([m for _, m in output.messages if "not reachable" in m]) == 1
    await session.close()


async def test_recovery_reviews_the_open_documents(tmp_path: Path) -> None:
    port = _free_port()
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=f"http://127.0.0.1:{port}")
    sleep = StepSleep()
    health = _use_health(session, sleep=sleep)
    uri = (tmp_path / "a.py").as_uri()
    spec = session.track_language(uri, "python")
    assert spec is not None
    session.scheduler.open(uri, spec, 1, "def a(x):\n    return x / 0\n")
    await health.check()
    await sleep.next_sleep()

    with OllamaDouble(models=[MODEL], port=port) as double:
        double.add_rule("def a", content={"findings": []})
        sleep.wake()
        await asyncio.wait_for(health._probing, 5)  # type: ignore[arg-type]
        await double.wait_for_async(lambda: len(double.completed()) == 1)
    await session.close()


async def test_a_settings_change_stops_the_probes_of_the_old_endpoint(tmp_path: Path) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=f"http://127.0.0.1:{_free_port()}")
    sleep = StepSleep()
    health = _use_health(session, sleep=sleep)
    await health.check()
    await sleep.next_sleep()
    probe = health._probing
    assert probe is not None

    session.options.workspace = {"endpoint": f"http://127.0.0.1:{_free_port()}"}
    session.apply_options()

    with pytest.raises(asyncio.CancelledError):
        await probe
    assert not health.probing
    await session.close()


async def test_the_openai_provider_is_probed_with_its_model_list(tmp_path: Path) -> None:
    port = _free_port()
    output = FakeOutput()
    session = make_session(
        output, tmp_path, endpoint=f"http://127.0.0.1:{port}/v1", provider="openai"
    )
    sleep = StepSleep()
    health = _use_health(session, sleep=sleep)
    await health.check()
    await sleep.next_sleep()
    with OpenAIDouble(models=[MODEL], port=port) as double:
        sleep.wake()
        await asyncio.wait_for(health._probing, 5)  # type: ignore[arg-type]
        paths = [(m, p) for m, p, _ in double.requests]
    assert paths[0] == ("GET", "/v1/models")
    # An OpenAI-compatible server loads its models itself: no load request, no "loading".
    assert "loading" not in _states(output)
    assert output.statuses[-1]["state"] == "ready"
    await session.close()


async def test_the_model_is_loaded_again_after_an_idle_longer_than_keep_alive(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, keepAlive="10m")
    clock = Clock()
    health = _use_health(session, clock=clock)
    await health.check()

    def loads() -> int:
        return sum(1 for _, p, b in double.requests if p == "/api/chat" and not b.get("messages"))

    assert loads() == 1
    clock.now += 599
    health.user_active()  # within keepAlive: Ollama still has it loaded
    health.model_used()
    clock.now += 601
    health.user_active()
    health.user_active()  # one load, however many edits arrive meanwhile
    assert health._warming is not None
    await health._warming
    assert loads() == 2
    assert _states(output)[-2:] == ["loading", "ready"]
    await session.close()


async def test_no_idle_reload_while_the_server_has_a_problem(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, keepAlive=60)
    clock = Clock()
    health = _use_health(session, clock=clock)
    await health.check()
    session.status.failed(ModelNotFound(double.url, MODEL))
    clock.now += 3600
    health.user_active()
    assert health._warming is None
    await session.close()


async def test_a_client_that_tells_outages_itself_gets_no_message_for_them(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    output = FakeOutput()
    session = make_session(output, tmp_path, ClientFlags(status_messages=True), endpoint=url)
    _use_health(session, sleep=StepSleep())
    session.status.failed(EndpointUnreachable(url))
    session.status.failed(ModelNotFound(url, MODEL))
    assert output.messages == []
    assert output.statuses[-1]["state"] == "modelMissing"

    other = FakeOutput()
    plain = make_session(other, tmp_path / "plain", endpoint=url)
    _use_health(plain, sleep=StepSleep())
    plain.status.failed(EndpointUnreachable(url))
    assert [kind for kind, _ in other.messages] == [types.MessageType.Warning]
    await session.close()
    await plain.close()


def test_the_experimental_capability_sets_the_flag() -> None:
    capabilities = types.ClientCapabilities(experimental={"siyadaStatusMessages": True})
    assert ClientFlags.of(capabilities).status_messages
    assert not ClientFlags.of(types.ClientCapabilities()).status_messages
    other = types.ClientCapabilities(experimental={"siyadaStatusMessages": "yes"})
    assert not ClientFlags.of(other).status_messages


async def test_loading_lasts_until_the_last_of_two_loads_ends(tmp_path: Path) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path)
    session.status.succeeded()
    session.status.loading(True)
    session.status.loading(True)
    session.status.loading(False)
    assert output.statuses[-1]["state"] == "loading"
    session.status.loading(False)
    assert output.statuses[-1]["state"] == "ready"
    await session.close()


class _ModelList:
    """A client whose model list fails (or not) as told: the OpenAI-side probe."""

    def __init__(self, error: Exception | None) -> None:
        self.error = error

    async def list_models(self) -> list[object]:
        if self.error is not None:
            raise self.error
        return []


@pytest.mark.parametrize(
    ("error", "answers"),
    [
        (None, True),
        (EndpointUnreachable(URL), False),
        (ServerBusy(URL), False),  # llama-server still loading its model: 503
        (StreamFailure(URL, "dropped"), False),
        (ServerFailure(URL, 500, "boom"), True),  # it answers; the check tells the rest
        (ModelNotFound(URL, MODEL), True),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
async def test_what_counts_as_an_answer_to_a_probe(error: Exception | None, answers: bool) -> None:
    reviewer = SimpleNamespace(client=_ModelList(error))
    assert await _answers(reviewer) is answers  # type: ignore[arg-type]
