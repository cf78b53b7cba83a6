"""The contexts of an open document's functions (the `context` setting "file").

Each function's `FunctionContext` is kept by hash, with what it was computed from: the
parse (`outline`, dropped on every edit) and the file's shared digest. An edit inside a
body computes nobody else's context; a change of what everyone may see (imports,
signatures, type headers) computes every function's context again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from siyada.code.context import FileOutline, FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec, Tree

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContextCheck:
    """What `DocumentContexts.check` did: the hashes whose context it computed, and
    the functions whose context is now another one (they need a new answer)."""

    computed: set[str]
    changed: list[FunctionUnit]


class DocumentContexts:
    """Contexts by function hash, and what they were computed from."""

    def __init__(self) -> None:
        self.on = False
        self.known: dict[str, FunctionContext] = {}
        self.outline: FileOutline | None = None
        self.shared: str | None = None
        self.checked = False

    def use(self, on: bool) -> None:
        if on != self.on:
            self.on, self.known, self.shared, self.checked = on, {}, None, False

    def text_changed(self) -> None:
        self.outline, self.checked = None, False

    def all_known(self, units: Sequence[FunctionUnit]) -> bool:
        return all(u.hash in self.known for u in units)

    def needs_check(self, units: Sequence[FunctionUnit]) -> bool:
        return self.on and not (self.checked and self.all_known(units))

    def check(self, spec: LanguageSpec, tree: Tree, units: Sequence[FunctionUnit]) -> ContextCheck:
        """The contexts of `units` (functions of `tree`) that need one: all when the
        shared digest changed, else only those without one."""
        outline = self.outline or FileOutline(spec, tree)
        self.outline, self.checked = outline, True
        shared = outline.shared_digest
        before = self.known
        everyone = shared != self.shared
        self.shared = shared
        self.known = {u.hash: before[u.hash] for u in units if u.hash in before}
        result = ContextCheck(set(), [])
        for unit in units:
            if unit.hash in self.known and not everyone:
                continue
            context = _context(outline, unit)
            self.known[unit.hash] = context
            result.computed.add(unit.hash)
            old = before.get(unit.hash)
            if old is not None and old.digest != context.digest:
                result.changed.append(unit)
        return result


def _context(outline: FileOutline, unit: FunctionUnit) -> FunctionContext:
    try:
        return outline.context(unit)
    except ValueError as error:
        # The functions come from the same parse, so this is a defect: the function
        # is still reviewed, without context, and the log says why.
        log.warning("No context for %s: %s", unit.name, error)
        return FunctionContext()
