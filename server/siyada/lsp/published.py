"""What the server last published for each document. A diagnostic's `data` comes back
from the client, which may have forged it; a code action is built only for data the
server itself sent for that document, so nothing else reaches the fix builder.

A document is published again after every change and every review, often with the
same findings at a new version. Each finding's diagnostic is made, and turned into its
JSON form, once while its finding, lines and evidence stay the same; a new version
only rewrites the version its fix data carries. Making and converting 200 diagnostics
through the LSP library's converter on every keystroke was most of a publication's
cost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from lsprotocol.converters import get_converter
from pygls.workspace.position_codec import PositionCodec

from siyada.lsp.protocol import FixData, to_diagnostic
from siyada.review.engine import PlacedFinding
from siyada.review.findings import Finding

# What a diagnostic is made of, but for the version: the finding, its lines, their text.
_Source = tuple[Finding, int, int, tuple[str, ...]]

_converter = get_converter()


@dataclass(frozen=True)
class _Made:
    """A diagnostic in JSON form and its fix data, both made for version None."""

    json: dict[str, Any]
    fix: FixData | None

    def at(self, version: int | None) -> tuple[dict[str, Any], FixData | None]:
        if version is None:
            return self.json, self.fix
        data = {**self.json["data"], "version": version}
        fix = None if self.fix is None else replace(self.fix, version=version)
        return {**self.json, "data": data}, fix


class PublishedFixes:
    """The fix data of each document's latest publishDiagnostics."""

    def __init__(self) -> None:
        self._by_uri: dict[str, frozenset[FixData]] = {}
        self._made: dict[str, dict[_Source, _Made]] = {}

    def diagnostics(
        self,
        uri: str,
        findings: Sequence[PlacedFinding],
        lines: Sequence[str],
        version: int | None,
        codec: PositionCodec,
    ) -> list[dict[str, Any]]:
        """The diagnostics of `findings` in JSON form, recorded as the document's latest
        publication."""
        before = self._made.get(uri, {})
        made: dict[_Source, _Made] = {}
        pairs: list[tuple[dict[str, Any], FixData | None]] = []
        for placed in findings:
            start, end = placed.start_line, placed.end_line
            source = (placed.finding, start, end, tuple(lines[start : end + 1]))
            record = before.get(source) or made.get(source)
            if record is None:
                record = _make(placed, lines, codec)
            made[source] = record
            pairs.append(record.at(version))
        self._made[uri] = made
        self._by_uri[uri] = frozenset(fix for _, fix in pairs if fix is not None)
        return [diagnostic for diagnostic, _ in pairs]

    def forget(self, uri: str) -> None:
        self._by_uri.pop(uri, None)
        self._made.pop(uri, None)

    def includes(self, uri: str, fix: FixData) -> bool:
        return fix in self._by_uri.get(uri, frozenset())


def _make(placed: PlacedFinding, lines: Sequence[str], codec: PositionCodec) -> _Made:
    diagnostic = to_diagnostic(placed, lines, None, codec)
    # Read back the way the client's copy will be, so the two compare equal.
    return _Made(_converter.unstructure(diagnostic), FixData.from_json(diagnostic.data))
