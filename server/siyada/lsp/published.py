"""What the server last published for each document. A diagnostic's `data` comes back
from the client, which may have forged it; a code action is built only for data the
server itself sent for that document, so nothing else reaches the fix builder.

A document is published again after every change and every review: each finding's
diagnostic is made once per document version and reused while it stays the same."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.lsp.protocol import FixData, to_diagnostic
from siyada.review.engine import PlacedFinding
from siyada.review.findings import Finding

# What a diagnostic is made of: the finding, its lines, their text, the version.
_Made = tuple[Finding, int, int, tuple[str, ...], int | None]


class PublishedFixes:
    """The fix data of each document's latest publishDiagnostics."""

    def __init__(self) -> None:
        self._by_uri: dict[str, frozenset[FixData]] = {}
        self._made: dict[str, dict[_Made, tuple[types.Diagnostic, FixData | None]]] = {}

    def diagnostics(
        self,
        uri: str,
        findings: Sequence[PlacedFinding],
        lines: Sequence[str],
        version: int | None,
        codec: PositionCodec,
    ) -> list[types.Diagnostic]:
        """The diagnostics of `findings`, recorded as the document's latest publication."""
        before = self._made.get(uri, {})
        made: dict[_Made, tuple[types.Diagnostic, FixData | None]] = {}
        pairs: list[tuple[types.Diagnostic, FixData | None]] = []
        for placed in findings:
            start, end = placed.start_line, placed.end_line
            key = (placed.finding, start, end, tuple(lines[start : end + 1]), version)
            pair = before.get(key) or made.get(key)
            if pair is None:
                diagnostic = to_diagnostic(placed, lines, version, codec)
                # Read back the way the client's copy will be, so the two compare equal.
                pair = (diagnostic, FixData.from_json(diagnostic.data))
            made[key] = pair
            pairs.append(pair)
        self._made[uri] = made
        self._by_uri[uri] = frozenset(fix for _, fix in pairs if fix is not None)
        return [diagnostic for diagnostic, _ in pairs]

    def forget(self, uri: str) -> None:
        self._by_uri.pop(uri, None)
        self._made.pop(uri, None)

    def includes(self, uri: str, fix: FixData) -> bool:
        return fix in self._by_uri.get(uri, frozenset())
