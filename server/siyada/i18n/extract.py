"""The messages the code marks for translation, and the catalogs kept in step with them.

`extract_messages` reads the package's source (no import, no run): every call of `_`,
`N_` or `ngettext` with literal texts (`_(name)` translates a variable holding a text
marked with `N_`; any other expression is refused). `python -m siyada.i18n.extract` writes the
template `locale/siyada.pot` from them and merges it into every language's `.po`: a new
message arrives there untranslated (shown in English until someone translates it, and
the catalog test fails until then), a message gone from the code becomes obsolete.
"""

from __future__ import annotations

import ast
import string
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib

from siyada.i18n.catalogs import DOMAIN, available_languages

PACKAGE = Path(__file__).resolve().parent.parent
SINGULAR_FUNCTIONS = frozenset({"_", "N_"})
PLURAL_FUNCTION = "ngettext"


@dataclass(frozen=True)
class Message:
    msgid: str
    msgid_plural: str = ""
    # The files that mark it, relative to the package's parent (no line numbers: the
    # catalogs do not change each time code moves).
    occurrences: tuple[str, ...] = ()


class UnreadableMark(Exception):
    """A marking call whose text is not a literal: no catalog could hold it."""


def placeholders(text: str) -> frozenset[str]:
    """The names of `text`'s `{name}` placeholders."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


def extract_messages(package: Path = PACKAGE) -> list[Message]:
    """Every marked message of the package, once each, in the order first found."""
    found: dict[tuple[str, str], list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package.parent).as_posix()
        for msgid, plural in _marks(path):
            places = found.setdefault((msgid, plural), [])
            if where not in places:
                places.append(where)
    return [Message(msgid, plural, tuple(places)) for (msgid, plural), places in found.items()]


def _marks(path: Path) -> Iterator[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        name = node.func.id
        if name == "_" and node.args and isinstance(node.args[0], ast.Name):
            continue  # a text marked with `N_` where it is defined, translated here
        if name in SINGULAR_FUNCTIONS:
            yield _literal(node, 0, path), ""
        elif name == PLURAL_FUNCTION:
            yield _literal(node, 0, path), _literal(node, 1, path)


def _literal(call: ast.Call, index: int, path: Path) -> str:
    argument = call.args[index] if len(call.args) > index else None
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    raise UnreadableMark(f"{path}:{call.lineno}: the text to translate must be a literal string")


def template(messages: list[Message]) -> polib.POFile:
    pot = polib.POFile(wrapwidth=0)
    pot.header = "Siyada's messages: written by python -m siyada.i18n.extract, do not edit."
    pot.metadata = {
        "Project-Id-Version": "siyada",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for message in messages:
        entry = polib.POEntry(
            msgid=message.msgid,
            msgid_plural=message.msgid_plural,
            occurrences=[(place, "") for place in message.occurrences],
            flags=["python-brace-format"] if placeholders(message.msgid) else [],
        )
        if message.msgid_plural:
            entry.msgstr_plural = {0: "", 1: ""}
        pot.append(entry)
    return pot


def update_catalogs(package: Path = PACKAGE) -> list[Path]:
    """Write the template and merge it into every language's catalog; the files written."""
    locale = package / "locale"
    pot = template(extract_messages(package))
    written = [locale / f"{DOMAIN}.pot"]
    pot.save(str(written[0]))
    for language in available_languages():
        path = locale / language / "LC_MESSAGES" / f"{DOMAIN}.po"
        po = polib.pofile(str(path), wrapwidth=0)
        po.merge(pot)
        for gone in po.obsolete_entries():
            po.remove(gone)  # the code no longer says it; history keeps its translation
        po.save(str(path))
        written.append(path)
    return written


def main() -> int:
    try:
        written = update_catalogs()
    except UnreadableMark as error:
        print(error, file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
