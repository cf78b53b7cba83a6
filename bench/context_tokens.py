"""Prompt tokens per function with each `context` setting, over a labeled corpus.

    .venv/bin/python bench/context_tokens.py [--corpus eval/corpus]

For every function of the corpus, the messages the engine would send (review/prompt.py
`build_messages`, with the context `siyada eval --context file` sends) are counted with
the server's own estimate (`estimate_tokens`); prints the mean and median per setting.
No model is involved.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from siyada.code.context import FunctionContext
from siyada.evaluation.labels import Case, load_corpus
from siyada.review.pipeline import contexts_of
from siyada.review.prompt import build_messages
from siyada.review.prompt import prompt_tokens as count_tokens
from siyada.review.settings import Settings

CORPUS = Path(__file__).resolve().parents[1] / "eval" / "corpus"


def prompt_tokens(case: Case, context: FunctionContext | None) -> int:
    messages = build_messages(
        language=case.language,
        function_name=case.unit.name,
        code=case.unit.text,
        context=context.render() if context is not None else None,
    )
    return count_tokens(messages)


def tokens_per_function(cases: Sequence[Case], settings: Settings) -> list[int]:
    counts: list[int] = []
    for file in dict.fromkeys(case.file for case in cases):
        in_file = [case for case in cases if case.file == file]
        document = in_file[0].document
        units = [case.unit for case in in_file]
        contexts = contexts_of(document.spec, document.text, units, settings)
        counts.extend(map(prompt_tokens, in_file, contexts))
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    cases = load_corpus(args.corpus, Settings()).cases
    print(f"{len(cases)} functions in {args.corpus}")
    for context in ("function", "file"):
        counts = tokens_per_function(cases, Settings(context=context))
        print(
            f"context {context}: prompt tokens per function mean {statistics.mean(counts):.1f}, "
            f"median {statistics.median(counts):.1f}, min {min(counts)}, max {max(counts)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
