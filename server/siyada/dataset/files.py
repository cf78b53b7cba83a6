"""Writing the dataset's four files into `--out` without losing anything.

A folder that already holds files is refused unless `--force`; even then only the
dataset's own four files are replaced, everything else in it stays. Every file is
written beside its final name first and renamed only once all four are written, so a
failure (a full disk) leaves the folder as it was.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from siyada.dataset.card import CARD_JSON, CARD_MARKDOWN, TRAIN_FILE, VALIDATION_FILE
from siyada.dataset.examples import Example
from siyada.dataset.export import Dataset
from siyada.i18n import _

FILE_NAMES = (TRAIN_FILE, VALIDATION_FILE, CARD_JSON, CARD_MARKDOWN)


class CannotWrite(Exception):
    """`--out` cannot take the dataset; the message says why and what to do."""


def check_out_folder(out: Path, *, force: bool) -> None:
    """Raises CannotWrite when `out` is a file or a folder that already holds files
    (unless `force`); called before the store is read, so a mistake costs nothing."""
    if out.exists() and not out.is_dir():
        raise CannotWrite(_("--out {out} is a file; name a folder for the dataset", out=str(out)))
    if not out.is_dir():
        return
    try:
        entries = sorted(entry.name for entry in out.iterdir())
    except OSError as error:
        raise CannotWrite(_cannot(out, error)) from None
    if entries and not force:
        raise CannotWrite(
            _(
                "--out {out} is not empty ({entries}); name a new or empty folder, or add "
                "--force to replace the dataset's files there (nothing else is touched)",
                out=str(out),
                entries=", ".join(entries[:5]) + (", ..." if len(entries) > 5 else ""),
            )
        )
    for name in FILE_NAMES:
        if (out / name).is_dir():
            raise CannotWrite(_("--out {out}: {name} is a folder", out=str(out), name=name))


def write_dataset(dataset: Dataset, out: Path) -> tuple[Path, ...]:
    """The four files in `out` (created when missing); their paths."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CannotWrite(_cannot(out, error)) from None
    texts = {
        TRAIN_FILE: _jsonl(dataset.train),
        VALIDATION_FILE: _jsonl(dataset.validation),
        CARD_JSON: json.dumps(dataset.card.to_json(), indent=2, ensure_ascii=False) + "\n",
        CARD_MARKDOWN: dataset.card.to_markdown(),
    }
    written: dict[Path, Path] = {}
    try:
        for name, text in texts.items():
            written[out / name] = _write_beside(out / name, text)
        for final, temporary in written.items():
            os.replace(temporary, final)
    except OSError as error:
        for temporary in written.values():
            temporary.unlink(missing_ok=True)
        raise CannotWrite(_cannot(out, error)) from None
    return tuple(written)


def _jsonl(examples: Iterable[Example]) -> str:
    return "".join(json.dumps(e.to_json(), ensure_ascii=False) + "\n" for e in examples)


def _write_beside(path: Path, text: str) -> Path:
    """`text` in a new file in `path`'s folder; the new file's path."""
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _cannot(out: Path, error: OSError) -> str:
    return _(
        "--out {out} cannot be written: {reason}", out=str(out), reason=error.strerror or error
    )
