"""The report for people: plain text for a terminal, Markdown for the editor.

Both come from the same sections, so they say the same thing; only the marks differ.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from siyada.doctor.bring_model import BringModel, Step
from siyada.doctor.model_server import ServerFacts
from siyada.doctor.recommend import gigabytes
from siyada.doctor.report import DoctorReport
from siyada.doctor.speed import Unmeasured
from siyada.i18n import _

UNKNOWN = "unknown"


@dataclass(frozen=True)
class _Sub:
    """A numbered line under the item before it."""

    number: int
    text: str


Section = tuple[str, list[str | _Sub]]


@dataclass(frozen=True)
class _Marks:
    markdown: bool

    def title(self, text: str) -> str:
        return f"# {text}" if self.markdown else text

    def heading(self, text: str) -> str:
        return f"## {text}" if self.markdown else text

    def item(self, text: str) -> str:
        return f"- {text}" if self.markdown else f"  {text}"

    def code(self, text: str) -> str:
        return f"`{text}`" if self.markdown else text

    def line(self, entry: str | _Sub) -> str:
        if isinstance(entry, str):
            return self.item(entry)
        return f"{'  ' if self.markdown else '    '}{entry.number}. {entry.text}"


def render_text(report: DoctorReport) -> str:
    return _render(report, _Marks(markdown=False))


def render_markdown(report: DoctorReport) -> str:
    return _render(report, _Marks(markdown=True))


def _render(report: DoctorReport, marks: _Marks) -> str:
    lines = [marks.title(_("Siyada doctor")), ""]
    for heading, items in _sections(report, marks):
        lines.append(marks.heading(heading))
        if marks.markdown:
            lines.append("")
        lines.extend(marks.line(item) for item in items)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _sections(report: DoctorReport, marks: _Marks) -> Iterator[Section]:
    # The headings are translated; the lines under them are facts in fixed English words.
    yield _("Model server"), list(_server(report.server, marks))
    yield _("This machine"), list(_machine(report))
    yield _("Recommendation"), list(_recommendation(report, marks))
    if report.bring_model is not None:
        yield _("Bringing the model without internet"), list(_bring(report.bring_model, marks))
    yield _("Speed"), list(_speed(report))
    yield _("Workspace"), list(_workspace(report, marks))
    warnings = report.warnings
    if warnings:
        yield _("Warnings"), list(warnings)


def _server(server: ServerFacts, marks: _Marks) -> Iterator[str]:
    yield f"endpoint: {server.endpoint} (provider {server.provider})"
    if not server.reachable:
        yield f"reachable: no ({server.problem})"
        return
    yield "reachable: yes"
    yield f"version: {server.version or UNKNOWN}"
    installed = "yes" if server.model_installed else "no"
    yield f"model: {marks.code(server.model)} (installed: {installed})"
    names = [
        f"{m.name} ({_size(m.size)}, {_about(m.parameter_size, m.quantization)})"
        for m in server.installed
    ]
    yield f"installed: {', '.join(names) if names else 'none'}"
    if server.loaded is None:
        yield "loaded: unknown (the protocol does not tell)"
    else:
        loaded = [
            f"{m.name} ({_size(m.size)}, context {m.context_length or UNKNOWN})"
            for m in server.loaded
        ]
        yield f"loaded: {', '.join(loaded) if loaded else 'none'}"
    yield f"context in force: {_context(server)}"


def _context(server: ServerFacts) -> str:
    context = server.context
    parts = []
    if context.requested is not None:
        parts.append(f"Siyada asks {context.requested}")
    if context.model_max is not None:
        parts.append(f"the model allows {context.model_max}")
    if context.server is not None:
        parts.append(f"the server runs {context.server}")
    in_force = str(context.in_force) if context.in_force is not None else UNKNOWN
    return f"{in_force} tokens" + (f" ({'; '.join(parts)})" if parts else "")


def _machine(report: DoctorReport) -> Iterator[str]:
    machine = report.machine
    yield f"RAM: {_size(machine.total_ram)} total, {_size(machine.free_ram)} free"
    yield f"CPU cores: {machine.cpu_cores or UNKNOWN}"
    for gpu in report.gpus.gpus:
        free = f", {_size(gpu.memory_free)} free" if gpu.memory_free is not None else ""
        yield f"GPU: {gpu.name}, {_size(gpu.memory_total)}{free}"
    if not report.gpus.gpus:
        yield "GPU: none found"
    for unknown in report.gpus.unknown:
        yield f"GPU unknown: {unknown}"


def _recommendation(report: DoctorReport, marks: _Marks) -> Iterator[str]:
    advice = report.recommendation
    candidate = advice.candidate
    yield f"based on: {advice.basis}"
    if candidate is None:
        yield "model: none can be recommended"
        return
    yield (
        f"model: {marks.code(candidate.model)} ({candidate.parameters}, {candidate.quantization}, "
        f"needs about {_size(candidate.needs)})"
    )
    yield f"install: {marks.code(advice.pull_command or '')}"
    if candidate.model != report.server.model:
        yield f"use it: set siyada.model to {marks.code(candidate.model)}"


def _bring(bring: BringModel, marks: _Marks) -> Iterator[str | _Sub]:
    yield f"{bring.why}; on a machine without internet, bring it one of these ways"
    yield f"applies here: {bring.applied.title} ({bring.reason})"
    for route in bring.routes:
        yield f"{route.title}{' (applies)' if route.id == bring.applies else ''}:"
        for number, step in enumerate(route.steps, start=1):
            yield _Sub(number, _step(step, marks))


def _step(step: Step, marks: _Marks) -> str:
    return step.text.format(*(marks.code(part) for part in step.code))


def _speed(report: DoctorReport) -> Iterator[str]:
    speed = report.speed
    if isinstance(speed, Unmeasured):
        yield f"not measured: {speed.reason}"
        return
    yield f"prompt: {_rate(speed.prompt_tps)} ({speed.prompt_tokens} tokens)"
    yield f"generation: {_rate(speed.generation_tps)} ({speed.answer_tokens} tokens)"
    yield f"measured from: {speed.basis}, {speed.wall_seconds:.2f} s for the request"
    estimate = report.estimate
    if estimate is not None:
        yield (
            f"expected per review: about {estimate.seconds:.1f} s for the median function "
            f"({estimate.prompt_tokens} prompt tokens, {estimate.answer_tokens} answer tokens)"
        )


def _workspace(report: DoctorReport, marks: _Marks) -> Iterator[str]:
    workspace = report.workspace
    if workspace is None:
        yield f"not surveyed: {report.workspace_problem}"
        return
    stopped = f" (the first {workspace.files})" if workspace.stopped_at_max_files else ""
    yield f"folder: {marks.code(workspace.folder)}"
    yield f"functions: {workspace.functions} in {workspace.files} files{stopped}"
    if workspace.files_not_read:
        yield f"files not read: {workspace.files_not_read} (as siyada check would skip them)"
    median = workspace.median_function
    if median is not None:
        yield (
            f"median function: {marks.code(median.name)} "
            f"({marks.code(f'{median.path}:{median.line}')}), "
            f"about {workspace.median_prompt_tokens} prompt tokens"
        )
    yield f"too long for the context ({workspace.context_limit} tokens): {workspace.too_long_count}"


def _rate(tps: float | None) -> str:
    return f"{tps:,.1f} tokens/s" if tps is not None else UNKNOWN


def _about(parameters: str, quantization: str) -> str:
    return ", ".join(part for part in (parameters, quantization) if part) or UNKNOWN


def _size(count: int | None) -> str:
    return gigabytes(count) if count is not None else UNKNOWN
