"""Serve the fake model server until killed (run from the repository's root):

    python -m tests.model_server [--protocol ollama|openai] [--port 0] [--script rules.json]
        [--speed-scale F] [--slots N] [--marker-findings] [--free-answers]
        [--api-key KEY] [--refuse-json-schema] [--owned-by OWNER]

The first line printed is `listening on URL` (the OpenAI URL ends in /v1). rules.json is
{"models": [...], "rules": [{"match": ..., "content": ...}, ...]} with the fields of
`answers.Rule` (`"localized": {"ar": [{"title": ..., "explanation": ...}]}` answers a
prompt asking for Arabic with those words). `--speed-scale F` answers at the published
speeds times F (default: at once); `--marker-findings` reports a finding for each
reviewed line containing BENCH_MARK, as the benchmark's model does, to try an editor
against it. `--free-answers` answers a free-text chat (a question about a finding, no
answer format) that no rule matches with Markdown naming the question; a rule with
`"free": true` answers only such chats, and `"chunk_delay": 0.05` makes a long answer
slow enough to stop.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path

from tests.model_server.answers import echo_question, marker_findings, no_findings
from tests.model_server.fake import ModelServer
from tests.model_server.ollama import OllamaDouble
from tests.model_server.openai import OpenAIDouble
from tests.model_server.timing import INSTANT, ModelSpeed


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m tests.model_server", description="Serve a fake model server."
    )
    parser.add_argument("--protocol", choices=("ollama", "openai"), default="ollama")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--script", type=Path, help='{"models": [...], "rules": [...]}')
    parser.add_argument("--speed-scale", type=float, help="published speed x F (default: instant)")
    parser.add_argument("--slots", type=int, help="parallel answers, like OLLAMA_NUM_PARALLEL")
    parser.add_argument("--marker-findings", action="store_true", help="the benchmark's answers")
    parser.add_argument(
        "--free-answers", action="store_true", help="answer free-text chats with prose"
    )
    parser.add_argument("--api-key", help="openai: require Authorization: Bearer KEY")
    parser.add_argument("--refuse-json-schema", action="store_true", help="openai")
    parser.add_argument("--owned-by", default="llamacpp", help="openai: the models' owner")
    args = parser.parse_args(argv)
    if args.speed_scale is not None and args.speed_scale <= 0:
        parser.error("--speed-scale must be above 0")
    if args.slots is not None and args.slots < 1:
        parser.error("--slots must be at least 1")
    return args


def build(args: argparse.Namespace) -> ModelServer:
    timing = INSTANT if args.speed_scale is None else ModelSpeed(scale=args.speed_scale)
    answer = marker_findings if args.marker_findings else no_findings
    common = {
        "port": args.port,
        "timing": timing,
        "slots": args.slots,
        "default_answer": answer,
        "free_answer": echo_question if args.free_answers else None,
    }
    if args.protocol == "openai":
        return OpenAIDouble(
            api_key=args.api_key,
            refuse_json_schema=args.refuse_json_schema,
            owned_by=args.owned_by,
            **common,
        )
    return OllamaDouble(**common)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    server = build(args)
    if args.script:
        server.load_script(json.loads(args.script.read_text(encoding="utf-8")))
    server.start()
    print(f"listening on {server.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
