"""The `siyada` command: `siyada lsp` runs the language server, `siyada check` reviews
files from a terminal or CI with the same engine."""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from siyada import __version__
from siyada.feedback.command import add_feedback_parser
from siyada.i18n import _, use_environment_locale
from siyada.models.endpoint import normalize_endpoint
from siyada.review.explanation_language import (
    environment_language,
    explanation_language,
    resolved,
)
from siyada.review.findings import SEVERITIES
from siyada.review.setting_kinds import SettingError
from siyada.review.settings import Settings, parse_settings
from siyada.review.team_settings import NO_TEAM_SETTINGS, TeamSettings


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
    check.add_argument("--format", choices=["text", "json", "sarif"], default="text")
    _add_ci_options(check)
    _add_connection_options(check)
    check.add_argument("--model", type=_model, help="model name (default: qwen2.5-coder:7b)")
    check.add_argument("--min-severity", choices=SEVERITIES, help="hide less severe findings")
    _add_jobs_option(check)
    _add_context_option(check)
    _add_language_option(check)
    _add_eval_parser(commands)
    _add_doctor_parser(commands)
    add_feedback_parser(commands)
    return parser


def _add_doctor_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    doctor = commands.add_parser(
        "doctor",
        help="report the model server, this machine's memory and GPUs, the model that fits, "
        "the measured speed and the workspace's functions against the context",
    )
    doctor.add_argument(
        "path", nargs="?", default=".", metavar="PATH", help="the workspace folder (default: .)"
    )
    doctor.add_argument("--format", choices=["text", "json"], default="text")
    _add_connection_options(doctor)
    doctor.add_argument("--model", type=_model, help="model name (default: qwen2.5-coder:7b)")
    _add_context_option(doctor)
    _add_language_option(doctor)
    doctor.add_argument(
        "--gguf",
        type=Path,
        metavar="FILE",
        help="a GGUF file of the model, for the advice on bringing a missing model to a "
        "machine without internet",
    )
    doctor.set_defaults(jobs=1)


def _add_ci_options(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "--out", type=Path, metavar="FILE", help="write the findings here instead of stdout"
    )
    check.add_argument(
        "--diff",
        metavar="REF",
        help="review only the functions changed since this git ref (and untracked files)",
    )
    check.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default=SEVERITIES[-1],
        help="exit 1 only for findings at least this severe (default: hint, any finding)",
    )


def _add_connection_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--provider",
        choices=["ollama", "openai"],
        help="the protocol of the model server: ollama (default) or openai "
        "(llama-server, vLLM, LM Studio, Ollama's /v1)",
    )
    command.add_argument(
        "--endpoint",
        type=_endpoint,
        help="model server URL (default: OLLAMA_HOST or http://127.0.0.1:11434; "
        "for openai the base URL with /v1)",
    )
    command.add_argument(
        "--api-key-env",
        metavar="NAME",
        help="environment variable holding the server's API key (sent as a Bearer token; "
        "the key itself is never a flag)",
    )
    command.add_argument(
        "--allow-remote-endpoint",
        action="store_true",
        help="allow an endpoint that is not on this machine (your code is sent there)",
    )


def settings_from_options(
    args: argparse.Namespace, extra: Mapping[str, Any], team: TeamSettings = NO_TEAM_SETTINGS
) -> tuple[Settings, list[str]]:
    """The settings the connection, context and jobs options ask for, with a command's
    own setting keys in `extra`; the problems, as `parse_settings` words them. An option
    not given takes the value of the repository's `team` settings, if any."""
    raw: dict[str, Any] = {
        "provider": args.provider,
        "endpoint": args.endpoint,
        "apiKeyEnv": args.api_key_env,
        "allowRemoteEndpoint": args.allow_remote_endpoint or None,
        "context": args.context,
        "explanationLanguage": getattr(args, "explanation_language", None),
        **extra,
    }
    settings, problems = parse_settings(team.merged_with(raw))
    # "auto" (or no option) is the language the POSIX locale variables ask for.
    language = resolved(settings.explanation_language, environment_language(os.environ))
    settings = dataclasses.replace(settings, explanation_language=language)
    # --jobs is the editor's maxConcurrentRequests: the size of the pipeline's gate.
    return dataclasses.replace(settings, max_concurrent_requests=args.jobs), problems


def _add_context_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--context",
        choices=["function", "file"],
        help="what the model sees beside each function: the function alone (default) or "
        "also the imports it uses, its class header and its callees' signatures from the file",
    )


def _add_language_option(command: argparse.ArgumentParser, *, repeated: bool = False) -> None:
    more = "; repeat to compare languages on the same corpus" if repeated else ""
    command.add_argument(
        "--explanation-language",
        type=_language,
        action="append" if repeated else "store",
        dest="explanation_languages" if repeated else "explanation_language",
        metavar="TAG",
        help="the language of the findings' titles and explanations: a BCP 47 tag such as "
        "ar, en or pt-BR, or auto (default: from LC_ALL, LC_MESSAGES or LANG; English for "
        f"C, POSIX or none){more}",
    )


def _add_jobs_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--jobs",
        type=_positive,
        default=1,
        metavar="N",
        help="review N functions at a time (match OLLAMA_NUM_PARALLEL or the server's "
        "slots, e.g. llama-server --parallel; default 1)",
    )


def _add_eval_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = commands.add_parser(
        "eval",
        help="measure models on a labeled corpus: known problems found, clean functions flagged",
    )
    evaluate.add_argument(
        "--corpus",
        type=Path,
        metavar="DIR",
        help="a folder of source files with labels.json (default: the bundled eval/corpus)",
    )
    evaluate.add_argument(
        "--model",
        type=_model,
        action="append",
        required=True,
        metavar="NAME",
        help="a model to measure; repeat to compare several side by side",
    )
    _add_connection_options(evaluate)
    _add_jobs_option(evaluate)
    evaluate.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    evaluate.add_argument(
        "--out", type=Path, metavar="FILE", help="write the report here instead of stdout"
    )
    evaluate.add_argument(
        "--no-cache",
        action="store_true",
        help="ask the model afresh about every function (answers of the run are not kept)",
    )
    # What the model is asked: each of these options changes the answers, and is part
    # of the cache key.
    evaluate.add_argument(
        "--prompt",
        type=Path,
        metavar="FILE",
        help="a system text replacing Siyada's for this run, to compare prompts",
    )
    _add_context_option(evaluate)
    _add_language_option(evaluate, repeated=True)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(
            _("expected a whole number from 1 to 64, got {text}", text=repr(text))
        )
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


def _language(text: str) -> str:
    try:
        return explanation_language(text)
    except SettingError as error:
        raise argparse.ArgumentTypeError(f"{error}, got {text!r}") from None


def _model(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(_("expected a model name such as qwen2.5-coder:7b"))
    return text.strip()


def main(argv: Sequence[str] | None = None) -> int:
    # The terminal's language (LANG...); the language server takes its client's instead.
    use_environment_locale()
    args = build_parser().parse_args(argv)
    if args.command == "lsp":
        return _run_language_server(args.log_level)
    if args.command == "doctor":
        from siyada.doctor.command import run_doctor

        return run_doctor(args)
    if args.command == "eval":
        from siyada.evaluation.command import run_eval

        return run_eval(args)
    if args.command == "feedback":
        from siyada.feedback.command import run_feedback

        return run_feedback(args)
    from siyada.check import run_check

    return run_check(args)


def _run_language_server(level: str) -> int:
    # stdout carries the protocol: logs go to the editor's log as window/logMessage
    # once a session exists (lsp/editor_log.py), to stderr before that.
    from siyada.lsp.editor_log import install
    from siyada.lsp.server import create_server

    install(level)

    create_server().start_io()
    return 0
