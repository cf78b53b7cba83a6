"""The keys of findings as the language server publishes them: the path a document's
findings are keyed by, and the `FindingKey` of a placed finding."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from siyada.feedback.fingerprint import FindingKey, finding_key, key_path
from siyada.review.placement import PlacedFinding
from siyada.review.team_settings import local_path


def feedback_path(uri: str, folders: Sequence[Path]) -> str:
    """The path a finding of `uri` is keyed by, as `siyada check` keys it
    (`key_path`: relative to its git work tree, else to the workspace folder that
    holds it, else absolute); a URI that names no file (an unsaved buffer) keys by
    itself."""
    path = local_path(uri)
    if path is None:
        return uri
    root = next((folder for folder in folders if path.is_relative_to(folder)), None)
    return key_path(path, root)


def key_of(placed: PlacedFinding, path: str) -> FindingKey:
    return finding_key(
        path=path,
        function=placed.unit.name,
        function_hash=placed.unit.hash,
        category=placed.finding.category,
        evidence=placed.finding.evidence,
    )
