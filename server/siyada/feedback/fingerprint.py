"""What makes two findings "the same finding", so a dismissed one stays hidden.

A finding is keyed by where it is (path, function), the function's code (the hash the
answer cache uses), its category and its evidence with whitespace normalized. Its
fingerprint names it exactly; `is_same_finding` also accepts a near-identical finding
in the same function, so an edit elsewhere in the function (which changes its hash)
does not bring a dismissed finding back.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from siyada.git_changes import work_tree_root

# How similar two normalized evidences must be (difflib's ratio) to be one finding.
SIMILAR_ENOUGH: Final = 0.85


def normalize_evidence(text: str) -> str:
    """`text` with each line trimmed, runs of whitespace made one space and blank lines
    dropped, so re-indenting or re-spacing the code does not change it."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def key_path(path: Path, workspace: Path | None = None) -> str:
    """The path a finding is keyed by, in POSIX form: relative to the git work tree
    holding the file, else to `workspace` when the file is under it, else absolute.
    The work tree comes first so the editor (whatever folder it opened) and
    `siyada check` (wherever it runs) key a file alike."""
    absolute = Path(os.path.abspath(path))
    for root in (work_tree_root(absolute.parent), workspace):
        if root is not None and absolute.is_relative_to(os.path.abspath(root)):
            return absolute.relative_to(os.path.abspath(root)).as_posix()
    return absolute.as_posix()


@dataclass(frozen=True)
class FindingKey:
    """Everything that identifies a finding across reviews."""

    path: str
    function: str
    function_hash: str
    category: str
    # Normalized (`normalize_evidence`) when the key is made, whatever it was given.
    evidence: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "evidence", normalize_evidence(self.evidence))

    @property
    def fingerprint(self) -> str:
        """A stable hex digest of the function's code, the category and the evidence."""
        parts = [self.function_hash, self.category, self.evidence]
        text = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
        # surrogatepass: evidence from a client may hold a lone surrogate; it still has
        # a fingerprint.
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def finding_key(
    *, path: str, function: str, function_hash: str, category: str, evidence: str
) -> FindingKey:
    """A FindingKey, its fields named (the evidence may be raw: it is normalized)."""
    return FindingKey(path, function, function_hash, category, evidence)


def is_same_finding(dismissed: FindingKey, candidate: FindingKey) -> bool:
    """The same fingerprint, or near-identical: same path, function and category, and
    evidence that one contains or that is at least SIMILAR_ENOUGH alike."""
    if dismissed.fingerprint == candidate.fingerprint:
        return True
    same_place = (dismissed.path, dismissed.function, dismissed.category) == (
        candidate.path,
        candidate.function,
        candidate.category,
    )
    return same_place and _similar(dismissed.evidence, candidate.evidence)


def _similar(first: str, second: str) -> bool:
    if not first or not second:
        return first == second
    if first in second or second in first:
        return True
    matcher = difflib.SequenceMatcher(None, first, second, autojunk=False)
    # quick_ratio bounds ratio from above: a cheap way out for unrelated evidence.
    return matcher.quick_ratio() >= SIMILAR_ENOUGH and matcher.ratio() >= SIMILAR_ENOUGH
