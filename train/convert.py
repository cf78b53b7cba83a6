"""The adapter in GGUF, by llama.cpp's convert_lora_to_gguf.py.

The converter comes from the llama.cpp sources of the llama-cpp-python sdist that
scripts/llama-server-setup.sh builds llama-server from; the setup script keeps it (with
the convert_hf_to_gguf.py, conversion/ and gguf-py/ it imports) in its cache. It is found
through --converter or SIYADA_LLAMA_CONVERT_DIR, never downloaded here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Final

CONVERTER_ENV: Final = "SIYADA_LLAMA_CONVERT_DIR"
CONVERTER_SCRIPT: Final = "convert_lora_to_gguf.py"
GGUF_MAGIC: Final = b"GGUF"


class ConversionError(RuntimeError):
    """The converter is missing, failed, or wrote no GGUF file."""


def find_converter(given: str | None) -> Path:
    folder = given or os.environ.get(CONVERTER_ENV)
    if not folder:
        raise ConversionError(
            f"llama.cpp's {CONVERTER_SCRIPT} is needed to write the adapter's GGUF: pass "
            f"--converter DIR or set {CONVERTER_ENV} (scripts/llama-server-setup.sh keeps "
            "it; `scripts/llama-server-setup.sh --locate-converters` prints its folder)"
        )
    script = Path(folder).expanduser() / CONVERTER_SCRIPT
    if not script.is_file():
        raise ConversionError(f"no {CONVERTER_SCRIPT} in {folder}")
    return script


def convert_adapter(script: Path, adapter: Path, base: Path, out_file: Path) -> Path:
    """adapter/ (peft) to `out_file` (GGUF, 16-bit floats) against the base's config."""
    command = [
        sys.executable,
        str(script),
        *("--base", str(base)),
        *("--outfile", str(out_file)),
        *("--outtype", "f16"),
        str(adapter),
    ]
    # The converter imports its own gguf-py beside it (NO_LOCAL_GGUF would turn that off).
    environment = {key: value for key, value in os.environ.items() if key != "NO_LOCAL_GGUF"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    if done.returncode != 0:
        raise ConversionError(
            f"{CONVERTER_SCRIPT} exited {done.returncode}:\n{done.stderr[-4000:]}"
        )
    if not out_file.is_file() or out_file.read_bytes()[:4] != GGUF_MAGIC:
        raise ConversionError(f"{CONVERTER_SCRIPT} wrote no GGUF file at {out_file}")
    return out_file
