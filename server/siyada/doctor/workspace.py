"""The workspace's functions in prompt tokens: the median one, and those too long.

Files are found as `siyada check` finds them and split into functions by the same
pipeline (limits, extraction, the `context` setting's context); each function's prompt
is counted as `bench/context_tokens.py` counts it: the messages `build_messages` makes,
with the engine's own estimate. At most `MAX_FILES` files are read, so a huge
repository costs bounded time; the report says when the survey stopped there.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec
from siyada.review import prompt
from siyada.review.explanation_language import ENGLISH
from siyada.review.limits import fits_context
from siyada.review.pipeline import contexts_of, document_units
from siyada.review.prompt import build_messages
from siyada.review.settings import Settings
from siyada.source_files import NotRead, find_source_files, read_source

MAX_FILES: Final = 300
LONGEST_LISTED: Final = 5


@dataclass(frozen=True)
class SizedFunction:
    path: str
    name: str
    line: int  # 1-based
    prompt_tokens: int
    # The function's text, for the timed request; never in the report.
    code: str = field(default="", repr=False, compare=False)


@dataclass(frozen=True)
class WorkspaceSurvey:
    folder: str
    files: int  # files whose functions were counted
    # Found but not counted: unreadable, not UTF-8, over maxFileKb, binary or minified
    # (the files `siyada check` would skip too).
    files_not_read: int
    functions: int
    median_prompt_tokens: int | None
    median_function: SizedFunction | None
    # Functions whose prompt leaves the answer no room in the context, longest first.
    too_long: tuple[SizedFunction, ...]
    too_long_count: int
    context_limit: int
    stopped_at_max_files: bool


def prompt_tokens(
    language: str,
    unit: FunctionUnit,
    context: FunctionContext | None,
    explanation_language: str = ENGLISH,
) -> int:
    messages = build_messages(
        language=language,
        function_name=unit.name,
        code=unit.text,
        context=context.render() if context is not None else None,
        explanation_language=explanation_language,
    )
    return prompt.prompt_tokens(messages)


async def survey_workspace(folder: Path, settings: Settings, context_limit: int) -> WorkspaceSurvey:
    """Raises `PathProblem` when `folder` cannot be read."""
    found = find_source_files([folder])
    sized: list[SizedFunction] = []
    files = found.files[:MAX_FILES]
    read, not_read = 0, len(found.skipped)
    for file in files:
        counted = _sized_functions(file.path, file.spec, settings)
        if counted is None:
            not_read += 1
        else:
            read += 1
            sized.extend(counted)
        await asyncio.sleep(0)  # the language server keeps answering meanwhile
    stopped = len(found.files) > MAX_FILES
    return _summary(folder, (read, not_read), sized, context_limit, stopped)


def _sized_functions(
    path: Path, spec: LanguageSpec, settings: Settings
) -> list[SizedFunction] | None:
    """The file's functions with their prompt sizes; None when the file is not read
    or is over a limit, as `siyada check` would skip it."""
    try:
        text = read_source(path, settings)
    except NotRead:
        return None
    prepared = document_units(spec, text, settings)
    if prepared.not_reviewed is not None:
        return None
    contexts = contexts_of(spec, text, prepared.units, settings, prepared.tree)
    return [
        SizedFunction(
            str(path),
            unit.name,
            unit.start_line + 1,
            prompt_tokens(spec.id, unit, c, settings.explanation_language),
            unit.text,
        )
        for unit, c in zip(prepared.units, contexts, strict=True)
    ]


def _summary(
    folder: Path,
    files: tuple[int, int],
    sized: Sequence[SizedFunction],
    limit: int,
    stopped: bool,
) -> WorkspaceSurvey:
    by_size = sorted(sized, key=lambda f: f.prompt_tokens)
    median = by_size[(len(by_size) - 1) // 2] if by_size else None
    median_tokens = round(statistics.median(f.prompt_tokens for f in by_size)) if by_size else None
    too_long = [f for f in reversed(by_size) if not fits_context(f.prompt_tokens, limit)]
    return WorkspaceSurvey(
        folder=str(folder),
        files=files[0],
        files_not_read=files[1],
        functions=len(by_size),
        median_prompt_tokens=median_tokens,
        median_function=median,
        too_long=tuple(too_long[:LONGEST_LISTED]),
        too_long_count=len(too_long),
        context_limit=limit,
        stopped_at_max_files=stopped,
    )
