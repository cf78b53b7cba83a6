"""The doctor's report made: machine, GPUs and model server read at once, then the
workspace surveyed against the context in force, then one timed request.

The client is the caller's (the CLI opens one, the language server lends its own), so
the doctor talks only to the configured endpoint, under the same privacy rule.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from siyada.doctor.bring_model import BringModel, bring_model, model_to_bring
from siyada.doctor.gguf import GgufFile, workspace_ggufs
from siyada.doctor.gpus import survey_gpus
from siyada.doctor.machine import read_machine
from siyada.doctor.model_server import ServerFacts, server_facts, unreachable_facts
from siyada.doctor.ollama_folder import ollama_models_folder
from siyada.doctor.recommend import Recommendation, recommend
from siyada.doctor.report import DoctorReport, ReviewEstimate
from siyada.doctor.speed import Speed, Unmeasured, measure_speed, seconds_per_review
from siyada.doctor.workspace import WorkspaceSurvey, survey_workspace
from siyada.models.errors import ModelError
from siyada.review.connection import ModelClient
from siyada.review.prompt import NUM_CTX
from siyada.review.settings import Settings
from siyada.source_files import PathProblem


async def make_report(
    settings: Settings,
    folder: Path | None,
    client_of: Callable[[], ModelClient],
    gguf: GgufFile | None = None,
) -> DoctorReport:
    """`client_of` gives the configured server's client, or raises the `ModelError`
    (a refused endpoint) that says why there is none. `gguf`: a GGUF file the user
    named (`--gguf`), for the advice on bringing a missing model."""
    machine, gpus, server = await asyncio.gather(
        read_machine(), survey_gpus(), _server(settings, client_of)
    )
    limit = min(NUM_CTX, server.context.in_force or NUM_CTX)
    workspace, workspace_problem = await _workspace(folder, settings, limit)
    speed = await _speed(settings, server, client_of, workspace)
    recommendation = recommend(machine, gpus.gpus)
    return DoctorReport(
        machine=machine,
        gpus=gpus,
        server=server,
        recommendation=recommendation,
        speed=speed,
        workspace=workspace,
        workspace_problem=workspace_problem,
        estimate=_estimate(speed, workspace),
        bring_model=_bring_model(server, recommendation, machine.system, folder, gguf),
    )


def _bring_model(
    server: ServerFacts,
    recommendation: Recommendation,
    system: str,
    folder: Path | None,
    gguf: GgufFile | None,
) -> BringModel | None:
    candidate = recommendation.candidate
    missing = model_to_bring(server, candidate.model if candidate else None)
    if missing is None:
        return None
    found = workspace_ggufs(folder) if folder is not None else ()
    ggufs = ((gguf,) if gguf is not None else ()) + found
    return bring_model(missing, server, ggufs, ollama_models_folder(system))


async def _server(settings: Settings, client_of: Callable[[], ModelClient]) -> ServerFacts:
    try:
        client = client_of()
    except ModelError as refusal:
        return unreachable_facts(settings.endpoint, settings.provider, settings.model, str(refusal))
    return await server_facts(client, settings.model)


async def _workspace(
    folder: Path | None, settings: Settings, limit: int
) -> tuple[WorkspaceSurvey | None, str | None]:
    if folder is None:
        return None, "no workspace folder was given"
    try:
        return await survey_workspace(folder, settings, limit), None
    except PathProblem as problem:
        return None, str(problem)


async def _speed(
    settings: Settings,
    server: ServerFacts,
    client_of: Callable[[], ModelClient],
    workspace: WorkspaceSurvey | None,
) -> Speed | Unmeasured:
    if not server.reachable:
        return Unmeasured("the model server is not reachable")
    if not server.model_installed:
        return Unmeasured(f"{settings.model} is not available on the server")
    median = workspace.median_function if workspace is not None else None
    code = median.code if median is not None else None
    keep_alive = settings.keep_alive if server.provider == "ollama" else None
    return await measure_speed(client_of(), settings.model, code, keep_alive)


def _estimate(
    speed: Speed | Unmeasured, workspace: WorkspaceSurvey | None
) -> ReviewEstimate | None:
    if isinstance(speed, Unmeasured) or workspace is None:
        return None
    if workspace.median_prompt_tokens is None:
        return None
    seconds = seconds_per_review(speed, workspace.median_prompt_tokens)
    return ReviewEstimate(seconds, workspace.median_prompt_tokens) if seconds is not None else None
