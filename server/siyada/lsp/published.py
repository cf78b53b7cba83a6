"""What the server last published for each document. A diagnostic's `data` comes back
from the client, which may have forged it; a code action is built only for data the
server itself sent for that document, so nothing else reaches the fix builder."""

from __future__ import annotations

from collections.abc import Iterable

from lsprotocol import types

from siyada.lsp.protocol import FixData


class PublishedFixes:
    """The fix data of each document's latest publishDiagnostics."""

    def __init__(self) -> None:
        self._by_uri: dict[str, frozenset[FixData]] = {}

    def record(self, uri: str, diagnostics: Iterable[types.Diagnostic]) -> None:
        # Read back the way the client's copy will be read, so the two compare equal.
        fixes = (FixData.from_json(diagnostic.data) for diagnostic in diagnostics)
        self._by_uri[uri] = frozenset(fix for fix in fixes if fix is not None)

    def forget(self, uri: str) -> None:
        self._by_uri.pop(uri, None)

    def includes(self, uri: str, fix: FixData) -> bool:
        return fix in self._by_uri.get(uri, frozenset())
