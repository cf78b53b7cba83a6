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

from siyada.lsp.protocol import FindingData, FixData, to_diagnostic
from siyada.review.findings import Finding
from siyada.review.placement import PlacedFinding

# What a diagnostic is made of, but for the version: the finding, its lines, their text,
# its function's name and hash.
_Source = tuple[Finding, int, int, tuple[str, ...], str, str]

_converter = get_converter()


@dataclass(frozen=True)
class _Made:
    """A diagnostic in JSON form and its data, both made for version None."""

    json: dict[str, Any]
    data: FindingData | None
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
    # Each with version None: the publication's is `version`.
    findings: dict[FindingData, Finding]
    fixes: frozenset[FixData]


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
        *,
        path: str | None = None,
    ) -> list[dict[str, Any]]:
        """The diagnostics of `findings` in JSON form, recorded as the document's latest
        publication; `path` is what its findings are keyed by (the URI by default)."""
        before = self._made.get(uri, {})
        made: dict[_Source, _Made] = {}
        records: list[_Made] = []
        for placed in findings:
            source = _source_of(placed, lines)
            record = (
                made.get(source) or before.get(source) or _make(placed, lines, codec, path or uri)
            )
            made[source] = record
            records.append(record)
        self._made[uri] = made
        data = {record.data: record.finding for record in records if record.data is not None}
        fixes = frozenset(item.fix for item in data)
        self._latest[uri] = _Publication(version, data, fixes)
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

    def shown(self, uri: str) -> list[tuple[FindingData, Finding]]:
        """The data (version None) and finding of each diagnostic of the document's
        latest publication."""
        latest = self._latest.get(uri)
        return [] if latest is None else list(latest.findings.items())

    def forget(self, uri: str) -> None:
        self._latest.pop(uri, None)
        self._made.pop(uri, None)

    def includes(self, uri: str, fix: FixData) -> bool:
        latest = self._latest.get(uri)
        if latest is None or fix.version != latest.version:
            return False
        return replace(fix, version=None) in latest.fixes

    def finding(self, uri: str, data: FindingData) -> Finding | None:
        """The finding of the document's latest publication whose diagnostic carried
        exactly `data`; None for data the server did not publish there."""
        latest = self._latest.get(uri)
        if latest is None or data.fix.version != latest.version:
            return None
        return latest.findings.get(replace(data, fix=replace(data.fix, version=None)))


def _source_of(placed: PlacedFinding, lines: Sequence[str]) -> _Source:
    start, end, unit = placed.start_line, placed.end_line, placed.unit
    return (placed.finding, start, end, tuple(lines[start : end + 1]), unit.name, unit.hash)


def _make(placed: PlacedFinding, lines: Sequence[str], codec: PositionCodec, path: str) -> _Made:
    diagnostic = to_diagnostic(placed, lines, None, codec, path=path)
    # Read back the way the client's copy will be, so the two compare equal.
    return _Made(
        _converter.unstructure(diagnostic), FindingData.from_json(diagnostic.data), placed.finding
    )
