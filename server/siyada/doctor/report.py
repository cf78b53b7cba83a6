"""The doctor's report: every fact gathered, the advice drawn from them, and its JSON.

The JSON uses snake_case keys, bytes for memory and null for what could not be read;
its shape is documented in docs/architecture.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from siyada.doctor.bring_model import BringModel
from siyada.doctor.gpus import Gpu, GpuSurvey
from siyada.doctor.machine import Machine
from siyada.doctor.model_server import ServerFacts
from siyada.doctor.recommend import Recommendation
from siyada.doctor.speed import TYPICAL_ANSWER_TOKENS, Speed, Unmeasured
from siyada.doctor.workspace import SizedFunction, WorkspaceSurvey
from siyada.review.prompt import ANSWER_BUDGET


@dataclass(frozen=True)
class ReviewEstimate:
    seconds: float
    prompt_tokens: int
    answer_tokens: int = TYPICAL_ANSWER_TOKENS


@dataclass(frozen=True)
class DoctorReport:
    machine: Machine
    gpus: GpuSurvey
    server: ServerFacts
    recommendation: Recommendation
    speed: Speed | Unmeasured
    workspace: WorkspaceSurvey | None
    workspace_problem: str | None
    estimate: ReviewEstimate | None
    # How to bring a missing model to a machine without internet; None when none is missing.
    bring_model: BringModel | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        found = list(self.recommendation.warnings)
        if not self.server.reachable:
            found.append(f"The model server is not reachable: {self.server.problem}")
        elif self.server.problem:
            found.append(self.server.problem)
        context = context_warning(self.workspace)
        if context is not None:
            found.append(context)
        return tuple(found)

    def to_json(self) -> dict[str, Any]:
        return {
            "machine": _machine_json(self.machine),
            "gpus": [_gpu_json(gpu) for gpu in self.gpus.gpus],
            "gpu_tools_unknown": list(self.gpus.unknown),
            "server": _server_json(self.server),
            "recommendation": _recommendation_json(self.recommendation),
            "speed": _speed_json(self.speed),
            "workspace": _workspace_json(self.workspace),
            "workspace_problem": self.workspace_problem,
            "review_estimate": _estimate_json(self.estimate),
            "warnings": list(self.warnings),
            "bring_model": _bring_model_json(self.bring_model),
        }


def context_warning(workspace: WorkspaceSurvey | None) -> str | None:
    if workspace is None or workspace.too_long_count == 0:
        return None
    longest = workspace.too_long[0]
    room = workspace.context_limit - ANSWER_BUDGET
    return (
        f"{workspace.too_long_count} of {workspace.functions} functions are longer than the "
        f"context allows ({workspace.context_limit} tokens, of which {ANSWER_BUDGET} are kept "
        f"for the answer, so prompts up to {room}): they are not reviewed. The longest is "
        f"{longest.name} ({longest.path}:{longest.line}, about {longest.prompt_tokens} tokens); "
        "split such functions to have them reviewed."
    )


def _machine_json(machine: Machine) -> dict[str, Any]:
    return {
        "system": machine.system,
        "total_ram_bytes": machine.total_ram,
        "free_ram_bytes": machine.free_ram,
        "cpu_cores": machine.cpu_cores,
    }


def _gpu_json(gpu: Gpu) -> dict[str, Any]:
    return {
        "vendor": gpu.vendor,
        "name": gpu.name,
        "memory_total_bytes": gpu.memory_total,
        "memory_free_bytes": gpu.memory_free,
        "usable_bytes": gpu.usable_memory,
        "unified": gpu.unified,
    }


def _server_json(server: ServerFacts) -> dict[str, Any]:
    loaded = None
    if server.loaded is not None:
        loaded = [
            {
                "name": m.name,
                "size_bytes": m.size,
                "size_vram_bytes": m.size_vram,
                "context_length": m.context_length,
                "parameter_size": m.parameter_size,
                "quantization": m.quantization,
            }
            for m in server.loaded
        ]
    context = server.context
    return {
        "endpoint": server.endpoint,
        "provider": server.provider,
        "reachable": server.reachable,
        "problem": server.problem,
        "version": server.version,
        "model": server.model,
        "model_installed": server.model_installed,
        "installed": [
            {
                "name": m.name,
                "size_bytes": m.size,
                "parameter_size": m.parameter_size,
                "quantization": m.quantization,
            }
            for m in server.installed
        ],
        "loaded": loaded,
        "context": {
            "requested": context.requested,
            "model_max": context.model_max,
            "server": context.server,
            "in_force": context.in_force,
        },
    }


def _recommendation_json(advice: Recommendation) -> dict[str, Any]:
    candidate = advice.candidate
    return {
        "model": candidate.model if candidate else None,
        "parameters": candidate.parameters if candidate else None,
        "quantization": candidate.quantization if candidate else None,
        "needs_bytes": candidate.needs if candidate else None,
        "pull_command": advice.pull_command,
        "basis": advice.basis,
    }


def _speed_json(speed: Speed | Unmeasured) -> dict[str, Any]:
    if isinstance(speed, Unmeasured):
        return {"measured": False, "reason": speed.reason}
    return {
        "measured": True,
        "prompt_tokens": speed.prompt_tokens,
        "answer_tokens": speed.answer_tokens,
        "prompt_tokens_per_second": _rounded(speed.prompt_tps),
        "generation_tokens_per_second": _rounded(speed.generation_tps),
        "wall_seconds": round(speed.wall_seconds, 3),
        "basis": speed.basis,
    }


def _workspace_json(workspace: WorkspaceSurvey | None) -> dict[str, Any] | None:
    if workspace is None:
        return None
    return {
        "folder": workspace.folder,
        "files": workspace.files,
        "files_not_read": workspace.files_not_read,
        "functions": workspace.functions,
        "median_prompt_tokens": workspace.median_prompt_tokens,
        "median_function": _function_json(workspace.median_function),
        "context_limit": workspace.context_limit,
        "too_long_count": workspace.too_long_count,
        "too_long": [_function_json(f) for f in workspace.too_long],
        "stopped_at_max_files": workspace.stopped_at_max_files,
    }


def _function_json(function: SizedFunction | None) -> dict[str, Any] | None:
    if function is None:
        return None
    return {
        "path": function.path,
        "name": function.name,
        "line": function.line,
        "prompt_tokens": function.prompt_tokens,
    }


def _estimate_json(estimate: ReviewEstimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {
        "seconds": round(estimate.seconds, 2),
        "prompt_tokens": estimate.prompt_tokens,
        "answer_tokens": estimate.answer_tokens,
    }


def _bring_model_json(bring: BringModel | None) -> dict[str, Any] | None:
    if bring is None:
        return None
    gguf, folder = bring.gguf, bring.models_folder
    return {
        "model": bring.model,
        "why": bring.why,
        "applies": bring.applies,
        "reason": bring.reason,
        "routes": [
            {"id": r.id, "title": r.title, "steps": [step.plain() for step in r.steps]}
            for r in bring.routes
        ],
        "gguf": (
            {"path": str(gguf.path), "size_bytes": gguf.size, "source": gguf.source}
            if gguf
            else None
        ),
        "models_folder": {"path": folder.path, "basis": folder.basis} if folder else None,
        "modelfile": bring.modelfile,
    }


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None
