"""`siyada modelfile`: an Ollama Modelfile serving a base model with a LoRA adapter
fine-tuned on the team's dataset (`siyada dataset export`, then `train/`).

The Modelfile names the base (an Ollama model name, or a GGUF file), the adapter
GGUF (its header must not say it is a model: the two are easily swapped), Siyada's
system prompt and temperature 0, the way Siyada asks every review.
`ollama create NAME -f Modelfile` then makes the tuned model. Files are written with
absolute paths, so the Modelfile works from any folder.

Exit codes: 0 the Modelfile was written; 2 it was not (a missing or non-GGUF file, an
unusable base name, an unwritable `--out`), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Final

from siyada.doctor.gguf import MAGIC, SUFFIX
from siyada.gguf_metadata import gguf_type
from siyada.i18n import _
from siyada.review.prompt import REVIEW_OPTIONS_BASE, SYSTEM_PROMPT

EXIT_WRITTEN, EXIT_NOT_WRITTEN = 0, 2
# Ollama's multi-line quoting: the text runs to the next three double quotes.
TRIPLE_QUOTE: Final = '"""'
# The `general.type` of a LoRA adapter converted by llama.cpp.
ADAPTER_TYPE: Final = "adapter"


class CannotWriteModelfile(Exception):
    """The message is the one line printed on stderr."""


def run_modelfile(args: argparse.Namespace) -> int:
    try:
        text = modelfile_text(base_reference(args.base), adapter_file(args.adapter))
        _write(text, args.out)
    except CannotWriteModelfile as reason:
        print(f"siyada: {reason}", file=sys.stderr)
        return EXIT_NOT_WRITTEN
    return EXIT_WRITTEN


def modelfile_text(base: str, adapter: Path, system: str = SYSTEM_PROMPT) -> str:
    """The Modelfile: `base` as `base_reference` gives it, `adapter` an absolute path."""
    if TRIPLE_QUOTE in system or system.endswith('"'):
        # The text would end Ollama's quoting early; Siyada's own prompt never does.
        raise CannotWriteModelfile(_("the system prompt cannot be quoted for a Modelfile"))
    temperature = REVIEW_OPTIONS_BASE["temperature"]
    return (
        f"FROM {base}\n"
        f"ADAPTER {_argument(str(adapter))}\n"
        f"SYSTEM {TRIPLE_QUOTE}{system}{TRIPLE_QUOTE}\n"
        f"PARAMETER temperature {temperature}\n"
    )


def base_reference(base: str) -> str:
    """What follows FROM: a GGUF file's absolute path when `base` names one (a name
    ending in .gguf must be one), else `base` as an Ollama model name."""
    name = base.strip()
    path = Path(name).expanduser()
    if name.lower().endswith(SUFFIX) or path.is_file():
        found = _gguf(path, "--base")
        if gguf_type(found) == ADAPTER_TYPE:
            raise CannotWriteModelfile(
                _(
                    "--base {path} is a LoRA adapter, not a model; name the model the "
                    "adapter was trained on",
                    path=str(path),
                )
            )
        return _argument(str(found))
    if not name or any(char.isspace() or char == '"' for char in name):
        raise CannotWriteModelfile(
            _(
                "--base {base}: expected an Ollama model name such as gemma3:270m, or a GGUF file",
                base=repr(base),
            )
        )
    return name


def adapter_file(path: Path) -> Path:
    """The adapter's absolute path; raises when it is missing, not GGUF, or a model
    (its header says so; a header that says nothing is taken as it is)."""
    found = _gguf(path.expanduser(), "--adapter")
    kind = gguf_type(found)
    if kind is not None and kind != ADAPTER_TYPE:
        raise CannotWriteModelfile(
            _(
                "--adapter {path} is a {kind}, not a LoRA adapter (its general.type); the "
                "adapter is the small GGUF that convert_lora_to_gguf.py writes",
                path=str(path),
                kind=kind,
            )
        )
    return found


def _gguf(path: Path, option: str) -> Path:
    if not path.is_file():
        raise CannotWriteModelfile(
            _("{option} {path}: no such file", option=option, path=str(path))
        )
    try:
        with path.open("rb") as stream:
            head = stream.read(len(MAGIC))
    except OSError as error:
        raise CannotWriteModelfile(
            _(
                "{option} {path} cannot be read: {reason}",
                option=option,
                path=str(path),
                reason=error.strerror or error,
            )
        ) from None
    if head != MAGIC:
        raise CannotWriteModelfile(
            _(
                "{option} {path}: not a GGUF file (it does not start with 'GGUF'); convert "
                "the adapter with llama.cpp's convert_lora_to_gguf.py",
                option=option,
                path=str(path),
            )
        )
    return path.resolve()


def _argument(text: str) -> str:
    """A path as a Modelfile argument: quoted when it holds spaces."""
    if '"' in text or "\n" in text:
        raise CannotWriteModelfile(
            _(
                "{path}: a path with a double quote or a line break cannot go in a Modelfile",
                path=text,
            )
        )
    return f'"{text}"' if any(char.isspace() for char in text) else text


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    if out.is_dir():
        raise CannotWriteModelfile(_("--out {out} is a folder; name a file", out=str(out)))
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CannotWriteModelfile(
            _(
                "--out {out} cannot be written: {reason}",
                out=str(out),
                reason=error.strerror or error,
            )
        ) from None
    print(
        _(
            "Modelfile written to {out}; create the model with: "
            "ollama create siyada-tuned -f {out}",
            out=str(out),
        ),
        file=sys.stderr,
    )
