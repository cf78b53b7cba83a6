"""The `siyada` command: `siyada lsp` runs the language server, `siyada check` reviews
files from a terminal or CI with the same engine."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from siyada import __version__
from siyada.models.endpoint import normalize_endpoint
from siyada.review.findings import SEVERITIES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="siyada",
        description="Private AI code review: a model on your own machine reviews each function.",
    )
    parser.add_argument("--version", action="version", version=f"siyada {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    lsp = commands.add_parser("lsp", help="run the language server on stdio")
    lsp.add_argument(
        "--stdio", action="store_true", help="use stdio (the default and only transport)"
    )
    lsp.add_argument(
        "--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"]
    )

    check = commands.add_parser("check", help="review files or folders and print the findings")
    check.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to review")
    check.add_argument("--format", choices=["text", "json"], default="text")
    check.add_argument(
        "--provider",
        choices=["ollama", "openai"],
        help="the protocol of the model server: ollama (default) or openai "
        "(llama-server, vLLM, LM Studio, Ollama's /v1)",
    )
    check.add_argument(
        "--endpoint",
        type=_endpoint,
        help="model server URL (default: OLLAMA_HOST or http://127.0.0.1:11434; "
        "for openai the base URL with /v1)",
    )
    check.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="environment variable holding the server's API key (sent as a Bearer token; "
        "the key itself is never a flag)",
    )
    check.add_argument("--model", type=_model, help="model name (default: qwen2.5-coder:7b)")
    check.add_argument("--min-severity", choices=SEVERITIES, help="hide less severe findings")
    check.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        metavar="N",
        help="review N functions at a time (match OLLAMA_NUM_PARALLEL or the server's "
        "slots, e.g. llama-server --parallel; default 1)",
    )
    check.add_argument(
        "--context",
        choices=["function", "file"],
        help="what the model sees beside each function: the function alone (default) or "
        "also the imports it uses, its class header and its callees' signatures from the file",
    )
    check.add_argument(
        "--allow-remote-endpoint",
        action="store_true",
        help="allow an endpoint that is not on this machine (your code is sent there)",
    )
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 64, got {text!r}")
    return value


def _endpoint(text: str) -> str | None:
    """A usable endpoint URL; empty means the default, as in the settings."""
    if not text.strip():
        return None
    try:
        return normalize_endpoint(text)
    except ValueError as error:
        # The reason names what is accepted (http:// or https://, a host, a port).
        raise argparse.ArgumentTypeError(str(error)) from None


def _model(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a model name such as qwen2.5-coder:7b")
    return text.strip()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "lsp":
        return _run_language_server(args.log_level)
    from siyada.check import run_check

    return run_check(args)


def _run_language_server(level: str) -> int:
    # stdout carries the protocol: logs go to stderr, which editors show as the log.
    logging.basicConfig(
        stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s"
    )
    from siyada.lsp.server import create_server

    create_server().start_io()
    return 0
