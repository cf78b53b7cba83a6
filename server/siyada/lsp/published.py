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
from siyada.review.findings import Finding
from siyada.review.placement import PlacedFinding

# What a diagnostic is made of, but for the version: the finding, its lines, their text.
_Source = tuple[Finding, int, int, tuple[str, ...]]

_converter = get_converter()


@dataclass(frozen=True)
class _Made:
    """A diagnostic in JSON form and its fix data, both made for version None."""

    json: dict[str, Any]
    fix: FixData | None
    finding: Finding

    def at(self, version: int | None) -> dict[str, Any]:
        return {**self.json, "data": {**self.json["data"], "version": version}}

    def covers(self, line: int, character: int) -> bool:
        """Whether the position is within the diagnostic's range, ends included."""
        start, end = self.json["range"]["start"], self.json["range"]["end"]
        after_start = (line, character) >= (start["line"], start["character"])
        return after_start and (line, character) <= (end["line"], end["character"])


@dataclass(frozen=True)
class ShownFinding:
    """A finding as its diagnostic was last published: what a hover describes."""

    finding: Finding
    range: dict[str, Any]  # the diagnostic's range in JSON form, in the client's units


@dataclass(frozen=True)
class _Publication:
    version: int | None
    fixes: frozenset[FixData]  # each with version None: the publication's is `version`


class PublishedFixes:
    """The fix data of each document's latest publishDiagnostics."""

    def __init__(self) -> None:
        self._latest: dict[str, _Publication] = {}
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
        records: list[_Made] = []
        for placed in findings:
            source = _source_of(placed, lines)
            record = made.get(source) or before.get(source) or _make(placed, lines, codec)
            made[source] = record
            records.append(record)
        self._made[uri] = made
        fixes = frozenset(record.fix for record in records if record.fix is not None)
        self._latest[uri] = _Publication(version, fixes)
        return [record.at(version) for record in records]

    def at(self, uri: str, line: int, character: int) -> list[ShownFinding]:
        """The findings of the document's latest publication whose range holds the
        position, in the order they were published."""
        made = self._made.get(uri, {})
        return [
            ShownFinding(record.finding, record.json["range"])
            for record in made.values()
            if record.covers(line, character)
        ]

    def forget(self, uri: str) -> None:
        self._latest.pop(uri, None)
        self._made.pop(uri, None)

    def includes(self, uri: str, fix: FixData) -> bool:
        latest = self._latest.get(uri)
        if latest is None or fix.version != latest.version:
            return False
        return replace(fix, version=None) in latest.fixes


def _source_of(placed: PlacedFinding, lines: Sequence[str]) -> _Source:
    start, end = placed.start_line, placed.end_line
    return (placed.finding, start, end, tuple(lines[start : end + 1]))


def _make(placed: PlacedFinding, lines: Sequence[str], codec: PositionCodec) -> _Made:
    diagnostic = to_diagnostic(placed, lines, None, codec)
    # Read back the way the client's copy will be, so the two compare equal.
    return _Made(
        _converter.unstructure(diagnostic), FixData.from_json(diagnostic.data), placed.finding
    )
